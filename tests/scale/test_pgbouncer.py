"""PgBouncer for real (Debian's package; `.ci/run` installs it where apt exists).

Session mode is safe with per-firm search paths: a server connection serves one client for
its whole session and is reset (DISCARD ALL) before the next. Transaction mode is refused
at start-up with a clear message rather than run unsafely.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from advisoros.embedded_pgbouncer import EmbeddedPgBouncer, pgbouncer_binary, pgbouncer_start
from apps.portal.models import Client as FirmClient
from apps.portal.services import client_create

pytestmark = pytest.mark.skipif(
    pgbouncer_binary() is None,
    reason="pgbouncer is not installed (Debian package `pgbouncer`; .ci/run installs it "
           "where apt exists)")


@pytest.fixture(scope="module")
def bouncer(committed_firms, django_db_blocker) -> Iterator[EmbeddedPgBouncer]:
    with django_db_blocker.unblock():
        started = pgbouncer_start(settings.DATA_DIR, name="test-pgbouncer", port=6499,
                                  pool_size=1)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def pooled_alias(bouncer, django_db_blocker) -> Iterator[str]:
    primary = connections["default"].settings_dict
    connections.settings["pooled"] = {**primary, "HOST": str(bouncer.socket_dir),
                                      "PORT": str(bouncer.port), "CONN_MAX_AGE": 0,
                                      "TEST": {"MIRROR": "default"}}
    try:
        yield "pooled"
    finally:
        with django_db_blocker.unblock():
            connections["pooled"].close()
        del connections["pooled"]
        del connections.settings["pooled"]


def test_firms_take_turns_on_one_server_connection_without_sharing_a_search_path(
        bouncer, pooled_alias, committed_firms, django_db_blocker):
    alpha, beta = committed_firms
    made = []
    with django_db_blocker.unblock():
        for world, name in ((alpha, "Alpha pooled"), (beta, "Beta pooled")):
            connection.set_tenant(world.firm)
            made.append((world.firm, client_create(business_name=name).pk))
        connection.set_schema_to_public()
        pooled = connections[pooled_alias]
        try:
            backends = set()
            for _ in range(3):
                for world, name in ((alpha, "Alpha pooled"), (beta, "Beta pooled")):
                    pooled.set_tenant(world.firm)
                    names = set(FirmClient.objects.using(pooled_alias)
                                .filter(business_name__endswith="pooled")
                                .values_list("business_name", flat=True))
                    assert names == {name}
                    with pooled.cursor() as cursor:
                        cursor.execute("SELECT pg_backend_pid()")
                        backends.add(cursor.fetchone()[0])
                    pooled.close()  # the session ends; the server connection is reset
            # The pool holds one server connection: every session above ran on it.
            assert len(backends) == 1
            # A session that sets no firm starts from a clean search path, not the last
            # firm's.
            with psycopg.connect(host=str(bouncer.socket_dir), port=bouncer.port,
                                 user=connections["default"].settings_dict["USER"],
                                 dbname=connections["default"].settings_dict["NAME"]) as raw:
                path = raw.execute("SHOW search_path").fetchone()[0]
            assert alpha.firm.schema_name not in path and beta.firm.schema_name not in path
        finally:
            for firm, client_id in made:
                connection.set_tenant(firm)
                FirmClient.objects.filter(pk=client_id).delete()
            connection.set_schema_to_public()


@pytest.mark.django_db  # (also makes pytest-django create the test database for this module)
def test_transaction_pooling_is_refused_at_start_up():
    environment = {**os.environ, "DATABASE_POOL_MODE": "transaction",
                   "DJANGO_SETTINGS_MODULE": "advisoros.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                            env=environment, capture_output=True, text=True, timeout=120,
                            cwd=settings.BASE_DIR)
    assert result.returncode != 0
    assert "pool_mode = session" in result.stderr
    assert "DATABASE_POOL_MODE='transaction' is not supported" in result.stderr
