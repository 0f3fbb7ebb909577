from tests.documents.conftest import client_a, documents_storage  # noqa: F401
