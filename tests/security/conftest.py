import pytest

from tests.eager import tasks_inline


@pytest.fixture
def eager_celery():
    """Run tasks in-process (Celery's eager mode) so a test sees their effects, e.g. the
    email a notification task sends, inside its own transaction."""
    with tasks_inline(propagate=False):
        yield
