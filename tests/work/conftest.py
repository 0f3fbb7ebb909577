from collections.abc import Iterator

import pytest


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Tasks queued after commit run at once in this process (in the same schema)."""
    from advisoros.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
