"""Read replicas against a real streaming standby of the embedded server.

The standby is made with the server's own `pg_basebackup -R` (advisoros/embedded_replica.py)
after the test database and the two test firms exist, and streams everything committed
after that. These tests commit (no `db` transaction: a replica only sees committed data, and
inside a transaction every read goes to the primary anyway) and remove what they made.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from advisoros import db_replicas, embedded
from advisoros.embedded_replica import EmbeddedReplica, replica_caught_up, replica_create
from apps.accounts.roles import ROLE_PERMISSIONS, Role
from apps.marketplace.models import AdvisorProfile
from apps.portal.models import Client as FirmClient
from apps.portal.services import client_create
from apps.security.api_keys import api_key_create, api_key_revoke

ALIAS = "replica_1"


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the replica")


@pytest.fixture(scope="module")
def replica(committed_firms, django_db_blocker) -> Iterator[EmbeddedReplica]:
    with django_db_blocker.unblock():
        standby = replica_create(settings.DATA_DIR, name="test-replica", port=5499)
        primary_socket = embedded._postgres_socket_dir(settings.DATA_DIR)
        _wait_for(lambda: replica_caught_up(standby, primary_socket))
        primary = connections["default"].settings_dict
        connections.settings[ALIAS] = {
            **primary, "HOST": str(standby.socket_dir), "PORT": str(standby.port),
            "OPTIONS": {"connect_timeout": 2}, "TEST": {"MIRROR": "default"}}
        previous = settings.DATABASE_REPLICA_ALIASES
        settings.DATABASE_REPLICA_ALIASES = [ALIAS]
        try:
            yield standby
        finally:
            settings.DATABASE_REPLICA_ALIASES = previous
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]
            db_replicas.replica_health_forget()
            standby.remove()


@pytest.fixture
def live(replica, django_db_blocker, settings) -> Iterator[EmbeddedReplica]:
    """A healthy, resumed replica and fresh health measurements for each test."""
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0.0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600.0
    with django_db_blocker.unblock():
        if not replica.is_running():
            replica.start()
        replica.resume_replay()
        db_replicas.replica_health_forget()
        yield replica
        if not replica.is_running():
            replica.start()
        replica.resume_replay()
        db_replicas.replica_health_forget()
        connection.set_schema_to_public()


@pytest.fixture
def made_clients(committed_firms, django_db_blocker) -> Iterator[list[tuple[object, int]]]:
    """(firm, client id) pairs committed by a test; removed afterwards."""
    made: list[tuple[object, int]] = []
    yield made
    with django_db_blocker.unblock():
        for firm, client_id in made:
            connection.set_tenant(firm)
            FirmClient.objects.filter(pk=client_id).delete()
        connection.set_schema_to_public()


def _commit_client(world, made, name: str) -> int:
    connection.set_tenant(world.firm)
    client = client_create(business_name=name)
    connection.set_schema_to_public()
    made.append((world.firm, client.pk))
    return client.pk


def _api(world, **client_options) -> Client:
    return _api_with_key(world, **client_options)[0]


def _api_with_key(world, **client_options):
    connection.set_tenant(world.firm)
    key = api_key_create(firm=world.firm, created_by=world.user(Role.OWNER), name="replica",
                         scopes=sorted(ROLE_PERMISSIONS[Role.OWNER]), expires_in_days=1)
    connection.set_schema_to_public()
    api = Client(HTTP_HOST=world.host, HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}",
                 **client_options)
    return api, key.key


def test_reads_of_a_safe_request_come_from_the_replica(live, committed_firms, made_clients,
                                                        django_db_blocker):
    world = committed_firms[0]
    with django_db_blocker.unblock():
        api = _api(world)
        live.pause_replay()
        hidden = _commit_client(world, made_clients, "Written while replay is paused")
        # The primary has it; the paused replica, trusted up to an hour of lag, does not.
        assert api.get(f"/api/v1/clients/{hidden}/").status_code == 404
        live.resume_replay()
        _wait_for(lambda: api.get(f"/api/v1/clients/{hidden}/").status_code == 200)


def test_a_lagging_replica_is_skipped(live, committed_firms, made_clients, django_db_blocker,
                                      settings):
    world = committed_firms[0]
    with django_db_blocker.unblock():
        api = _api(world)
        live.pause_replay()
        written = _commit_client(world, made_clients, "Read past a lagging replica")
        settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.3
        time.sleep(0.6)  # the replica is now further behind than that
        assert db_replicas.replica_lag(ALIAS) > 0.3
        response = api.get(f"/api/v1/clients/{written}/")
        assert response.status_code == 200
        assert response.json()["business_name"] == "Read past a lagging replica"


def test_a_writer_reads_its_own_writes_but_others_read_the_replica(
        live, committed_firms, made_clients, django_db_blocker):
    world = committed_firms[0]
    with django_db_blocker.unblock():
        writer, other = world.client(Role.OWNER), _api(world)
        live.pause_replay()
        created = writer.post("/staff/clients/new/", {"business_name": "Mine to read back",
                                                       "status": "active",
                                                       "industry": "retail"})
        assert created.status_code == 302, created.content
        connection.set_tenant(world.firm)
        client_id = FirmClient.objects.get(business_name="Mine to read back").pk
        connection.set_schema_to_public()
        made_clients.append((world.firm, client_id))
        # The pin lives in Redis per credential, so another web process honours it too.
        assert writer.get(f"/api/v1/clients/{client_id}/").status_code == 200
        assert other.get(f"/api/v1/clients/{client_id}/").status_code == 404


def test_each_firm_reads_its_own_schema_on_the_replica(live, committed_firms, made_clients,
                                                       django_db_blocker):
    alpha, beta = committed_firms
    with django_db_blocker.unblock():
        alpha_id = _commit_client(alpha, made_clients, "Alpha replica client")
        beta_id = _commit_client(beta, made_clients, "Beta replica client")
        primary_socket = embedded._postgres_socket_dir(settings.DATA_DIR)
        _wait_for(lambda: replica_caught_up(live, primary_socket))
        live.pause_replay()  # from here on, an answer can only come from the replica
        alpha_api, beta_api = _api(alpha), _api(beta)
        assert alpha_api.get(f"/api/v1/clients/{alpha_id}/").json()["business_name"] == \
            "Alpha replica client"
        assert beta_api.get(f"/api/v1/clients/{beta_id}/").json()["business_name"] == \
            "Beta replica client"
        # Firm A's key never sees firm B's client through the replica's search path.
        crossed = alpha_api.get(f"/api/v1/clients/{beta_id}/")
        assert crossed.status_code == 404 or \
            crossed.json()["business_name"] != "Beta replica client"


def test_access_is_decided_on_the_primary_whatever_the_lag(live, committed_firms, made_clients,
                                                           django_db_blocker):
    world = committed_firms[0]
    with django_db_blocker.unblock():
        client_id = _commit_client(world, made_clients, "Behind a revoked key")
        primary_socket = embedded._postgres_socket_dir(settings.DATA_DIR)
        _wait_for(lambda: replica_caught_up(live, primary_socket))
        live.pause_replay()
        # A key made after the replica stopped replaying works at once...
        api, key = _api_with_key(world)
        assert api.get(f"/api/v1/clients/{client_id}/").status_code == 200
        # ...and one revoked while the replica still holds it as valid is refused at once.
        connection.set_tenant(world.firm)
        api_key_revoke(key=key, by=world.user(Role.OWNER))
        connection.set_schema_to_public()
        assert api.get(f"/api/v1/clients/{client_id}/").status_code == 401


def test_a_stopped_replica_fails_over_to_the_primary_without_an_error(
        live, committed_firms, made_clients, django_db_blocker, settings):
    world = committed_firms[0]
    with django_db_blocker.unblock():
        # The failure on the replica is logged as the request's exception, which Django's
        # test client would re-raise; a real server answers what the middleware returns.
        api = _api(world, raise_request_exception=False)
        client_id = _commit_client(world, made_clients, "Still answered")
        primary_socket = embedded._postgres_socket_dir(settings.DATA_DIR)
        _wait_for(lambda: replica_caught_up(live, primary_socket))
        assert api.get(f"/api/v1/clients/{client_id}/").status_code == 200
        # The health measurement is fresh, so the next request still picks the replica
        # and meets it dead mid-request.
        settings.DATABASE_REPLICA_CHECK_SECONDS = 3600.0
        assert db_replicas.replica_is_healthy(ALIAS)
        live.stop(mode="immediate")
        response = api.get(f"/api/v1/clients/{client_id}/")
        assert response.status_code == 200
        assert response.json()["business_name"] == "Still answered"
        # Marked down: later requests go straight to the primary.
        assert not db_replicas.replica_is_healthy(ALIAS)
        assert api.get(f"/api/v1/clients/{client_id}/").status_code == 200


def test_transactions_tasks_and_unsafe_requests_read_the_primary(live, django_db_blocker):
    router = db_replicas.ReplicaRouter()
    with django_db_blocker.unblock():
        assert router.db_for_read(FirmClient) == "default"  # no request: a task or command
        reads = db_replicas.RequestReads(replica_ok=True, credentials=())
        token = db_replicas._request_reads.set(reads)
        try:
            assert router.db_for_read(FirmClient) == ALIAS
            # Raw-SQL selectors (marketplace matching) take the same decision.
            assert db_replicas.read_connection(AdvisorProfile).alias == ALIAS
            from django.db import transaction

            with transaction.atomic():
                assert router.db_for_read(FirmClient) == "default"
            router.db_for_write(FirmClient)
            assert router.db_for_read(FirmClient) == "default"  # the request wrote
        finally:
            db_replicas._request_reads.reset(token)
        unsafe = db_replicas.RequestReads(replica_ok=False, credentials=())
        token = db_replicas._request_reads.set(unsafe)
        try:
            assert router.db_for_read(FirmClient) == "default"
        finally:
            db_replicas._request_reads.reset(token)
    assert router.allow_migrate(ALIAS, "portal") is False


@pytest.mark.django_db
def test_inside_a_transaction_every_read_goes_to_the_primary(live):
    # Under the `db` fixture the test body runs in a transaction (and marking one test
    # of this module is what makes pytest-django create the test database when the
    # module runs alone).
    reads = db_replicas.RequestReads(replica_ok=True, credentials=())
    token = db_replicas._request_reads.set(reads)
    try:
        assert db_replicas.ReplicaRouter().db_for_read(FirmClient) == "default"
    finally:
        db_replicas._request_reads.reset(token)
