"""Read replicas: reads that tolerate a little lag go to a healthy streaming replica.

`DATABASE_REPLICA_URLS` (zero or more) adds the aliases `replica_1`, `replica_2`, ...
With none configured this module does nothing and costs nothing.

Which reads may go to a replica is decided per request, not per model: the reads of a
safe request (GET, HEAD) — pages, lists, dashboards, reports, marketplace search and the
API's GETs — while everything else reads the primary:
- writes, and reads inside a transaction (`atomic`) or after the request wrote anything;
- Celery tasks and commands (no request: they often read what they are about to change);
- read-your-writes: after a request by a person or an API key wrote, the same credential
  reads the primary for `DATABASE_READ_YOUR_WRITES_SECONDS`, across web processes
  (a Redis key per credential, checked lazily: a request answered from the cache never
  pays for it).

Access data (users, memberships, API keys, sessions, firms) always reads the primary, so a
revocation takes effect at once whatever the replicas' lag.

Health: each process measures a replica's lag (`pg_last_xact_replay_timestamp`, zero when
everything received is replayed) at most every `DATABASE_REPLICA_CHECK_SECONDS`; a replica
over `DATABASE_REPLICA_MAX_LAG_SECONDS` or unreachable is skipped, and with none healthy
everything reads the primary. A replica that fails in the middle of a request is marked
down and the (safe) request is answered again from the primary, so the person sees no
error (`ReplicaReadMiddleware`).

The firm's search path is set on the replica connection exactly as on the primary: the
router copies the primary connection's tenant before handing out the alias.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import sys
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.dispatch import receiver

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Who may do what is never read from a replica: a key revoked or a member removed a moment
# ago must not authenticate again from a lagging copy (and re-enter the caches from it).
PRIMARY_ONLY_APPS = frozenset({"accounts", "security", "firms", "sessions", "auth",
                               "contenttypes", "otp_totp", "otp_static", "axes"})
PIN_KEY_PREFIX = "db:ryw:"


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICA_ALIASES", ()))


@dataclass
class RequestReads:
    """What this request may read from a replica (one per request, in a context var)."""

    replica_ok: bool
    credentials: tuple[str, ...]
    pinned: bool | None = None  # None: the read-your-writes pin is not looked up yet
    wrote: bool = False
    used: str | None = None  # the replica alias this request read from


_request_reads: ContextVar[RequestReads | None] = ContextVar("request_reads", default=None)


# --- health ---------------------------------------------------------------------------

LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


@dataclass
class _Health:
    checked_at: float
    lag_seconds: float | None  # None: down or not a replica


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()
_round_robin = itertools.count()


def replica_lag(alias: str) -> float | None:
    """Seconds the replica is behind (0 when it has replayed all it received), or None
    when it cannot be reached or is not in recovery. Measured on the replica itself."""
    conn = connections[alias]
    try:
        with conn.cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
    except (OperationalError, InterfaceError) as exc:
        logger.warning("read replica %s is unreachable: %s", alias, exc)
        _close_quietly(alias)
        return None
    if row is None or row[0] is None:
        logger.warning("read replica %s is not in recovery; not used for reads", alias)
        return None
    return float(row[0])


def _close_quietly(alias: str) -> None:
    # A dead connection may fail to close; it is gone either way.
    with contextlib.suppress(Exception):
        connections[alias].close()


def replica_is_healthy(alias: str) -> bool:
    now = time.monotonic()
    health = _health.get(alias)
    if health is None or now - health.checked_at >= settings.DATABASE_REPLICA_CHECK_SECONDS:
        lag = replica_lag(alias)
        with _health_lock:
            health = _health[alias] = _Health(checked_at=time.monotonic(), lag_seconds=lag)
        if lag is not None and lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
            logger.info("read replica %s is %.1f s behind; reads go elsewhere", alias, lag)
    return (health.lag_seconds is not None
            and health.lag_seconds <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS)


def replica_mark_down(alias: str) -> None:
    """Skip `alias` until the next health check is due."""
    with _health_lock:
        _health[alias] = _Health(checked_at=time.monotonic(), lag_seconds=None)
    _close_quietly(alias)


def replica_health_forget() -> None:
    """Forget every measurement (tests; a changed configuration)."""
    with _health_lock:
        _health.clear()


def healthy_replica() -> str | None:
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_round_robin)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if replica_is_healthy(alias):
            return alias
    return None


# --- read-your-writes -----------------------------------------------------------------

def credential_fingerprint(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=12).hexdigest()


def _pin_redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def credentials_pinned(credentials: tuple[str, ...]) -> bool:
    if not credentials:
        return False
    try:
        values = _pin_redis().mget([PIN_KEY_PREFIX + c for c in credentials])
    except Exception:  # without Redis, read the primary (always correct)
        logger.warning("read-your-writes pins unavailable; reading the primary", exc_info=True)
        return True
    return any(values)


def credentials_pin(credentials: tuple[str, ...]) -> None:
    if not credentials:
        return
    seconds = max(1, round(settings.DATABASE_READ_YOUR_WRITES_SECONDS))
    try:
        pipe = _pin_redis().pipeline(transaction=False)
        for credential in credentials:
            pipe.set(PIN_KEY_PREFIX + credential, 1, ex=seconds)
        pipe.execute()
    except Exception:  # logged; the write itself has committed
        logger.error("could not record read-your-writes pin", exc_info=True)


# --- the router -----------------------------------------------------------------------

def _sync_tenant(alias: str) -> None:
    primary = connections[DEFAULT_DB_ALIAS]
    replica = connections[alias]
    tenant = getattr(primary, "tenant", None)
    if tenant is None:
        return
    if (getattr(replica, "tenant", None) is not tenant
            or replica.include_public_schema != primary.include_public_schema):
        replica.set_tenant(tenant, include_public=primary.include_public_schema)


class ReplicaRouter:
    """Sends a request's lag-tolerant reads to a healthy replica; everything else, and
    every write, to the primary. Replicas are never migrated."""

    def db_for_read(self, model, **hints):
        reads = _request_reads.get()
        if reads is None or not reads.replica_ok or reads.wrote or not replica_aliases():
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if reads.pinned is None:
            reads.pinned = credentials_pinned(reads.credentials)
        if reads.pinned:
            return DEFAULT_DB_ALIAS
        alias = reads.used if reads.used and replica_is_healthy(reads.used) \
            else healthy_replica()
        if alias is None:
            return DEFAULT_DB_ALIAS
        _sync_tenant(alias)
        reads.used = alias
        return alias

    def db_for_write(self, model, **hints):
        reads = _request_reads.get()
        if reads is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in replica_aliases():
            return False
        return None  # the tenant router decides for the primary


def read_connection(model):
    """The connection a raw-SQL selector of `model`'s rows should read from: a healthy
    replica when the request allows it, else the primary (the same decision as the ORM's)."""
    from django.db import router

    return connections[router.db_for_read(model)]


# --- the request boundary -------------------------------------------------------------

def request_credentials(request) -> tuple[str, ...]:
    """Who is asking, without a query: the API key or the session cookie."""
    found = []
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization:
        found.append(credential_fingerprint(authorization))
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session:
        found.append(credential_fingerprint(session))
    return tuple(found)


def _response_credentials(response) -> tuple[str, ...]:
    cookie = response.cookies.get(settings.SESSION_COOKIE_NAME) if response else None
    if cookie is not None and cookie.value:
        return (credential_fingerprint(cookie.value),)
    return ()


class ReplicaReadMiddleware:
    """Opens the request's read policy and, when a replica fails mid-request, answers the
    safe request again from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        replica_ok = request.method in SAFE_METHODS
        reads = RequestReads(replica_ok=replica_ok, credentials=request_credentials(request))
        token = _request_reads.set(reads)
        try:
            response = self.get_response(request)
            failed = getattr(request, "_replica_failed", None)
            if failed is not None and replica_ok and not reads.wrote:
                logger.warning("read replica %s failed during %s; answered from the primary",
                               failed, request.path)
                request._replica_failed = None
                reads.replica_ok = False
                reads.used = None
                response = self.get_response(request)
            if reads.wrote:
                credentials_pin(reads.credentials + _response_credentials(response))
            return response
        finally:
            _request_reads.reset(token)


@receiver(got_request_exception, dispatch_uid="advisoros.db_replicas.replica_failure")
def _note_replica_failure(sender, request=None, **kwargs):
    """Any uncaught error of the request (view, template or an inner middleware) passes
    here; a database error while this request read from a replica marks the replica down
    so the middleware answers again from the primary."""
    reads = _request_reads.get()
    exception = sys.exc_info()[1]
    if (request is not None and reads is not None and reads.used
            and isinstance(exception, (OperationalError, InterfaceError))):
        replica_mark_down(reads.used)
        request._replica_failed = reads.used
