import pytest
from django.test import Client

from tests.eager import tasks_inline


@pytest.fixture
def api(public_client: Client) -> Client:
    return public_client


@pytest.fixture
def celery_eager():
    """Run tasks inline, in this test's connection and transaction."""
    with tasks_inline():
        yield


@pytest.fixture
def assert_data_queries():
    """Like django_assert_num_queries, not counting django-tenants' `SET search_path`
    (it precedes every cursor; a platform setting, not something a view controls)."""
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextmanager
    def check(expected: int):
        with CaptureQueriesContext(connection) as context:
            yield context
        data = [q["sql"] for q in context.captured_queries
                if not q["sql"].startswith("SET search_path")]
        assert len(data) == expected, f"{len(data)} queries, expected {expected}:\n" + \
            "\n".join(sql[:200] for sql in data)

    return check
