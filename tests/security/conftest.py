import pytest

from advisoros.celery import app


@pytest.fixture
def eager_celery():
    """Run tasks in-process (Celery's eager mode) so a test sees their effects, e.g. the
    email a notification task sends, inside its own transaction."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
