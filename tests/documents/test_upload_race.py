"""Two uploads of the same content at the same moment, on two real connections: the
one that loses on the unique index answers with the winner's document and leaves no
bytes behind.

Rows are committed (the two connections must see each other's commits) and removed
afterwards, as in test_worker.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.documents.models import Document
from apps.documents.services import documents_upload
from apps.portal.models import Client
from tests.documents.samples import W2_LINES, pdf_bytes, upload


@pytest.fixture(scope="module")
def committed_client(_two_firms, django_db_blocker):
    """A client committed before the test transaction opens, so the other connection
    sees it; removed with its documents afterwards."""
    firm = _two_firms[0].firm
    with django_db_blocker.unblock(), schema_context(firm.schema_name):
        client = Client.objects.create(business_name="Race test client")
    try:
        yield firm, client
    finally:
        with django_db_blocker.unblock(), schema_context(firm.schema_name):
            Client.objects.filter(pk=client.pk).delete()
        connection.set_schema_to_public()


@pytest.mark.django_db
def test_concurrent_duplicate_upload_keeps_no_orphan_bytes(committed_client, django_db_blocker,
                                                           documents_storage):
    firm, client = committed_client
    content = pdf_bytes(W2_LINES)
    inserted, release = threading.Event(), threading.Event()
    winner: list[Document] = []
    problems: list[BaseException] = []

    def first_upload() -> None:
        # Inserts its row and holds its transaction open until told to commit.
        try:
            with django_db_blocker.unblock(), schema_context(firm.schema_name), \
                    transaction.atomic():
                winner.extend(documents_upload(client=client, files=[upload("a.pdf", content)],
                                               category="other", uploaded_by_id=None).created)
                inserted.set()
                release.wait(10)
        except BaseException as exc:  # reported by the main thread
            problems.append(exc)
            inserted.set()
        finally:
            connection.close()

    other = threading.Thread(target=first_upload)
    other.start()
    try:
        assert inserted.wait(10) and not problems
        # The second upload does not see the uncommitted row, writes its bytes, then
        # waits on the unique index until the first commits.
        threading.Timer(1.0, release.set).start()
        started = time.monotonic()
        with schema_context(firm.schema_name):
            result = documents_upload(client=client, files=[upload("b.pdf", content)],
                                      category="other", uploaded_by_id=None)
        waited = time.monotonic() - started
    finally:
        release.set()
        other.join(10)

    assert not problems
    assert waited >= 0.8, "the second upload did not race on the unique index"
    assert result.created == [] and [d.document.pk for d in result.duplicates] == [winner[0].pk]
    files = [p for p in documents_storage.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [winner[0].file.name.rsplit("/", 1)[-1]]
