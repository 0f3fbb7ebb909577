"""/health/ reports each dependency; a Redis that goes away turns it into a 503."""

import shutil
import tempfile
from pathlib import Path

import pytest

from advisoros import embedded
from advisoros.env import redis_url_for_db

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_everything_answers(public_client, firm_a):
    for client in (public_client, firm_a.client()):
        response = client.get("/health/")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert {name: check["status"] for name, check in body["checks"].items()} == {
            "database": "up", "redis": "up", "broker": "up"}


@pytest.fixture
def throwaway_redis():
    """A Redis server of our own, so stopping it leaves the suite's Redis alone."""
    data_dir = Path(tempfile.mkdtemp(prefix="advisoros-redis-"))
    socket_path = embedded.ensure_redis(data_dir)
    yield data_dir, f"unix://{socket_path}"
    embedded.stop_redis(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


def test_health_is_503_when_redis_is_down_and_pages_still_serve(public_client, firm_a, settings,
                                                                throwaway_redis):
    data_dir, url = throwaway_redis
    settings.CACHES = {
        alias: {**config, "LOCATION": redis_url_for_db(url, 0)}
        for alias, config in settings.CACHES.items()
    }
    assert public_client.get("/health/").status_code == 200

    embedded.stop_redis(data_dir)
    response = public_client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "up"
    # Caches degrade to the database: routing and sign-in still work without Redis.
    page = firm_a.client().get("/accounts/sign-in/")
    assert page.status_code == 200
    assert page.context["firm"] == firm_a.firm


@pytest.fixture
def black_hole():
    """A TCP port that accepts connections and never answers: a hung Redis, the worst
    case for a probe (a stopped one is refused at once)."""
    import socket

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


def test_health_answers_at_once_when_redis_and_the_broker_hang(public_client, settings,
                                                              black_hole):
    settings.CACHES = {
        alias: {**config, "LOCATION": f"redis://127.0.0.1:{black_hole}/0"}
        for alias, config in settings.CACHES.items()
    }
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{black_hole}/2"

    response = public_client.get("/health/")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "down"
    assert checks["broker"]["status"] == "down"
    # Each probe gives up after its own short timeout (0.1 s connect, 0.1 s read), not the
    # application's 2 s with retries: a load balancer's health check gets its answer.
    # (Before: about 2 s for Redis and 2 s more for the broker.)
    assert checks["redis"]["ms"] < 500
    assert checks["broker"]["ms"] < 500
