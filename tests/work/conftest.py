from collections.abc import Iterator

import pytest

from tests.eager import tasks_inline


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Tasks queued after commit run at once in this process (in the same schema)."""
    with tasks_inline(propagate=False):
        yield
