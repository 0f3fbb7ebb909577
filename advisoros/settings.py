"""AdvisorOS settings: every value comes from the environment, read here and only here.

ADVISOROS_ENV selects the mode: `dev` (default), `test`, or `prod`. In `prod` the process
refuses to start without explicit secrets and server URLs. Without DATABASE_URL / REDIS_URL
(dev and test) the embedded PostgreSQL and Redis under ADVISOROS_DATA_DIR are started and
used. docs/configuration.md lists every variable.
"""

from __future__ import annotations

import base64
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from advisoros import embedded, queues
from advisoros.db_roles import db_role_for_command
from advisoros.env import (
    celery_broker_url_for,
    celery_sentinel_url,
    dev_secret,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    redis_url_for_db,
    require_env,
    sentinel_hosts,
)

BASE_DIR = Path(__file__).resolve().parent.parent

ENV = env_str("ADVISOROS_ENV", "dev")
if ENV not in {"dev", "test", "prod"}:
    raise ImproperlyConfigured(f"ADVISOROS_ENV must be dev, test or prod, got {ENV!r}")
IS_PROD = ENV == "prod"
if IS_PROD:
    # Redis is found through its sentinels when REDIS_SENTINELS is set.
    require_env(["SECRET_KEY", "DATABASE_URL",
                 *([] if env_str("REDIS_SENTINELS") else ["REDIS_URL"]), "ALLOWED_HOSTS",
                 "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"], ENV)

DATA_DIR = Path(env_str("ADVISOROS_DATA_DIR", str(BASE_DIR / ".data"))).resolve()

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-used-in-prod")

# Field encryption (apps/security/crypto.py): `id:base64key,...`, the first encrypts, all
# decrypt; the blind-index key makes exact lookups possible. Outside the database always:
# from the environment, or in dev/test generated once into the data folder.
FIELD_ENCRYPTION_KEYS = env_str("FIELD_ENCRYPTION_KEYS") or dev_secret(
    DATA_DIR, "FIELD_ENCRYPTION_KEYS",
    lambda: "dev1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY") or dev_secret(
    DATA_DIR, "BLIND_INDEX_KEY", lambda: secrets.token_urlsafe(32))
# The audit chain's HMAC keys (apps/audit/chain.py), same form and rotation as the field
# keys: the first seals, all verify. Outside the database, or a database owner could
# re-seal a rewritten trail. In prod there is no generated default: sealing refuses to
# run without it (ImproperlyConfigured naming the variable; audited writes still append).
AUDIT_CHAIN_KEYS = env_str("AUDIT_CHAIN_KEYS") or ("" if IS_PROD else dev_secret(
    DATA_DIR, "AUDIT_CHAIN_KEYS",
    lambda: "audit1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()))
# A copy of every anchor of the audit chain's head outside the database (JSON lines,
# appended); see docs/security.md for what makes it tamper-evident.
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.jsonl"))
DEBUG = env_bool("DEBUG", ENV == "dev")

# Firms live at <slug>.<BASE_DOMAIN>; the bare BASE_DOMAIN is the public site.
BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Applications -------------------------------------------------------------------
# Public schema: firms, users, memberships, the marketplace, platform-wide records.
SHARED_APPS = [
    "django_tenants",
    "apps.firms",
    "apps.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "apps.marketplace",
    "apps.ledger",  # the platform's commission ledger (billing writes it)
    "apps.observability",  # request metrics, slow queries, alerts, performance dashboard
    "apps.audit",  # the platform's audit trail (each firm has its own, below)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "apps.security",
    "apps.integrations.realms",  # which firm holds which QuickBooks company (webhooks)
]
# One schema per firm: the firm's clients and everything about them.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.admin",
    "apps.portal",
    "apps.documents",  # client documents (first shape; the documents issue grows it)
    "apps.billing",  # invoices (first shape; the billing issue grows it)
    "apps.audit",  # the firm's audit trail
    "apps.integrations",  # QuickBooks Online sync and outgoing webhooks
    "apps.work",  # jobs, workflow templates, automations, recurring work, capacity, time
    "apps.mail",  # outgoing email in the firm's name (queued rows, sent by Celery)
    "apps.people",  # invitations, messages, notifications, proposals, organizers
    "apps.insight",  # cash-flow and revenue forecasts
    "apps.search",  # the staff area's global search (and the indexes it needs)
    "apps.clienthealth",  # a health score per client, its reasons and trend
    "apps.compliance",  # compliance rules, findings, reviewed deletion past retention
    "apps.ask",  # ask your documents: passage index and hybrid retrieval with citations
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "firms.Firm"
TENANT_DOMAIN_MODEL = "firms.Domain"
# New firms are cloned from this schema instead of migrated one by one (see
# apps/firms/template_schema.py): 10x faster firm creation.
TENANT_BASE_SCHEMA = "firm_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# One `SET search_path` per schema switch instead of one per cursor: half the round trips
# of a typical request. Safe with django-tenants >= 4: a rollback (or a rollback to a
# savepoint), which would undo the SET, makes the next cursor issue it again.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "advisoros.urls_public"
ROOT_URLCONF = "advisoros.urls_tenant"
# pgvector's type lives in public; tenant schemas see it through the search path.
PG_EXTRA_SEARCH_PATHS: list[str] = []

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    # First: times the whole request, gives it its id, counts queries and cache lookups.
    "apps.observability.middleware.RequestMetricsMiddleware",
    # Every error under /api/ answers JSON, never an HTML (debug) page (advisoros/errors.py).
    "advisoros.errors.ApiJsonErrorsMiddleware",
    # Before routing: static files and /favicon.ico are the same on every host, and an
    # unknown firm's page needs its stylesheet (WHITENOISE_ROOT serves the favicon).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before routing: what routing and authentication will read from the cache (host tag,
    # session, user row, role, API key), in one Redis round trip
    # (apps/security/request_prefetch.py).
    "apps.security.request_prefetch.AuthPrefetchMiddleware",
    "advisoros.middleware.FirmRoutingMiddleware",
    # After routing: safe requests may read from a healthy replica (advisoros/db_replicas.py);
    # a replica failing mid-request is answered again from the primary.
    "advisoros.db_replicas.ReplicaReadMiddleware",
    # The firm's time zone for its pages (apps/firms/middleware.py).
    "apps.firms.middleware.FirmTimeZoneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # After WhiteNoise (which serves its own pre-compressed files): compresses pages and
    # API responses; Django pads them against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    # Anonymous JSON reads of the public advisor API, answered from Redis before sessions,
    # authentication and DRF (apps/marketplace/edge_cache.py).
    "apps.marketplace.edge_cache.PublicApiEdgeCacheMiddleware",
    # Outside sessions (sees their cookie): personal responses get "private, no-store".
    "advisoros.middleware.PrivateCacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, answered from the cached user row (no device query).
    "apps.security.mfa_devices.MfaDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.security.middleware.SessionPolicyMiddleware",
    "apps.security.middleware.MfaRequiredMiddleware",
    # Staff previewing the portal: read-only, answered as the previewed client's member.
    "apps.portal.preview.PortalPreviewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The product's own 404 page also with DEBUG on (advisoros/error_pages.py).
    "advisoros.error_pages.ProductNotFoundPageMiddleware",
    # Last: it turns a lock-out raised during authentication into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "advisoros.context_processors.firm",
            ],
        },
    },
]

WSGI_APPLICATION = "advisoros.wsgi.application"

# --- Database -----------------------------------------------------------------------
# Two roles (docs/configuration.md, "Database roles"): the application connects as
# DATABASE_URL's role, which owns nothing and may not change or remove audit rows;
# migrations and schema changes run as DATABASE_MIGRATE_URL's role, the owner of the
# tables. The embedded server creates both (advisoros/embedded.py).
if env_str("DATABASE_URL"):
    DATABASE_URL = env_str("DATABASE_URL")
    DATABASE_MIGRATE_URL = env_str("DATABASE_MIGRATE_URL") or DATABASE_URL
else:
    DATABASE_URL, DATABASE_MIGRATE_URL = embedded.ensure_postgres_with_roles(
        DATA_DIR, env_str("ADVISOROS_DB_NAME", "advisoros"))
# Commands that change the schema connect as the owner from the start; everything else
# (web, workers, beat, other commands) as the application role. In-process schema
# changes (the firm template) switch with advisoros.db_roles.migration_role().
DATABASE_ROLE = env_str("ADVISOROS_DB_ROLE") or db_role_for_command(sys.argv)
DATABASES = {
    "default": {
        **dj_database_url.parse(DATABASE_MIGRATE_URL if DATABASE_ROLE == "migrate"
                                else DATABASE_URL),
        # django-tenants' backend, without a SET search_path per request when the
        # session already has the path (advisoros/postgresql_backend/base.py).
        "ENGINE": "advisoros.postgresql_backend",
        # Persistent connections: measured 2-4x more requests/s than reconnecting.
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
    }
}
# Read replicas (advisoros/db_replicas.py): zero or more streaming replicas of the
# primary, connected as the same application role. Lag-tolerant reads of safe requests go
# to a healthy one; writes, transactions, tasks and a credential's reads right after it
# wrote go to the primary.
DATABASE_REPLICA_ALIASES = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = {
        **DATABASES["default"],
        **dj_database_url.parse(_url),
        "ENGINE": "advisoros.postgresql_backend",
        # A replica that stops answering is skipped after this, not waited on.
        "OPTIONS": {"connect_timeout": env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICA_ALIASES.append(_alias)
DATABASE_REPLICA_MAX_LAG_SECONDS = env_float("DATABASE_REPLICA_MAX_LAG_SECONDS", 2.0)
DATABASE_REPLICA_CHECK_SECONDS = env_float("DATABASE_REPLICA_CHECK_SECONDS", 1.0)
# Longer than the largest lag a replica may have when used, plus one check interval.
DATABASE_READ_YOUR_WRITES_SECONDS = env_float("DATABASE_READ_YOUR_WRITES_SECONDS", 5.0)
DATABASE_ROUTERS = ["advisoros.db_replicas.ReplicaRouter",
                    "django_tenants.routers.TenantSyncRouter"]

# Connection pooling (docs/scaling.md, "PgBouncer"): DATABASE_URL may point at PgBouncer
# in session mode. Transaction mode is refused: django-tenants sets a firm's search path
# once per connection, and in transaction mode the next transaction may run on another
# server connection with another firm's search path.
DATABASE_POOL_MODE = (env_str("DATABASE_POOL_MODE") or "session").lower()
if DATABASE_POOL_MODE not in ("session", "direct"):
    raise ImproperlyConfigured(
        f"DATABASE_POOL_MODE={DATABASE_POOL_MODE!r} is not supported: AdvisorOS keeps each "
        "firm's search path on its database connection, so a pooler must give a client the "
        "same server connection for the whole session. Run PgBouncer with "
        "pool_mode = session (see docs/scaling.md) and set DATABASE_POOL_MODE=session.")

# --- Redis: cache, sessions, Celery -----------------------------------------------
# Redis high availability (docs/scaling.md, "Redis Sentinel"): with REDIS_SENTINELS
# (host:port,...) the cache, sessions, Celery's broker and its results all find the current
# master of REDIS_SENTINEL_MASTER through the sentinels, and follow a failover.
REDIS_SENTINELS = sentinel_hosts(env_list("REDIS_SENTINELS", []))
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER") or "advisoros"
if REDIS_SENTINELS:
    REDIS_URL = f"redis://{REDIS_SENTINEL_MASTER}"
else:
    REDIS_URL = env_str("REDIS_URL") or f"unix://{embedded.ensure_redis(DATA_DIR)}"
# Database numbers on one Redis server; tests shift them so parallel runs never meet.
REDIS_DB_BASE = env_int("REDIS_DB_BASE", 0)
REDIS_DB_TENANT_CACHE = REDIS_DB_BASE + 0
REDIS_DB_PUBLIC_CACHE = REDIS_DB_BASE + 1
REDIS_DB_BROKER = REDIS_DB_BASE + 2
REDIS_DB_RESULTS = REDIS_DB_BASE + 3

_REDIS_CACHE_OPTIONS = {
    "CLIENT_CLASS": "django_redis.client.DefaultClient",
    "SOCKET_CONNECT_TIMEOUT": 2,
    "SOCKET_TIMEOUT": 2,
    # A Redis outage degrades to database reads (slower, still correct) instead of 500s;
    # /health/ still reports it, and the ignored errors are logged.
    "IGNORE_EXCEPTIONS": True,
}
if REDIS_SENTINELS:
    # One pool to the master (never a replica: cache tags must read what was just
    # written), found and re-found through the sentinels.
    _REDIS_CACHE_OPTIONS |= {
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": REDIS_SENTINELS,
        "SENTINEL_KWARGS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
CACHES = {
    # Firm data: every key carries the schema name of the current firm.
    "default": {
        # django-redis, counting hits and misses per key namespace for request metrics.
        "BACKEND": "apps.observability.cache.InstrumentedRedisCache",
        "LOCATION": redis_url_for_db(REDIS_URL, REDIS_DB_TENANT_CACHE),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
    # Cross-firm data (host->firm, permissions, marketplace): one copy, not one per firm.
    "public": {
        "BACKEND": "apps.observability.cache.InstrumentedRedisCache",
        "LOCATION": redis_url_for_db(REDIS_URL, REDIS_DB_PUBLIC_CACHE),
        "KEY_PREFIX": "public",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
}
# cached_db, reading the session fetched at the request's start (apps/security/session_store.py).
SESSION_ENGINE = "apps.security.session_store"
SESSION_CACHE_ALIAS = "public"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_PROD
CSRF_COOKIE_SECURE = IS_PROD
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)

# --- Celery ---------------------------------------------------------------------------
if REDIS_SENTINELS:
    CELERY_BROKER_URL = celery_sentinel_url(REDIS_SENTINELS, REDIS_DB_BROKER)
    CELERY_RESULT_BACKEND = celery_sentinel_url(REDIS_SENTINELS, REDIS_DB_RESULTS)
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER}
else:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or celery_broker_url_for(
        REDIS_URL, REDIS_DB_BROKER
    )
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or celery_broker_url_for(
        REDIS_URL, REDIS_DB_RESULTS
    )
CELERY_TASK_ACKS_LATE = True
# acks_late alone still acknowledges a task whose worker process died.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60
CELERY_TIMEZONE = "UTC"
# The firm row is fetched once per worker per minute, not once per task.
CELERY_TASK_TENANT_CACHE_SECONDS = 60
# Lost messages (a worker killed outright) come back after the visibility timeout: one
# minute, swept every 10 s, instead of Celery's hour. Live workers keep theirs fresh
# (advisoros/broker_keepalive.py), so long tasks and countdowns are never run twice.
# Trade-offs: docs/operations.md, "Lost tasks".
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 6)),
    "unacked_restore_throttle": 1,
    # A broker that stops answering is noticed in seconds, not at the next TCP timeout.
    "socket_timeout": 30, "socket_connect_timeout": 5, "health_check_interval": 25,
}
if REDIS_SENTINELS:
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = REDIS_SENTINEL_MASTER
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Ride out a broker outage of any length: retry for ever (Celery's default gives up
# after 100 attempts and the worker exits).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Celery's consumer, except that closing a lost Redis connection may fail without taking
# the worker down (Celery 5.7.0 exits there; advisoros/broker_keepalive.py says why).
CELERY_WORKER_CONSUMER = "advisoros.broker_keepalive:Consumer"
# On a lost broker connection, a running late-acked task cannot be acknowledged any more
# and its message goes back to the queue: stop it rather than let two copies run.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The result backend's Redis timeouts and retries are set in advisoros/celery.py: their
# names here (CELERY_REDIS_SOCKET_TIMEOUT, CELERY_RESULT_BACKEND_ALWAYS_RETRY...) are
# also Celery 3's old setting names, which Celery's old-name detection looks for.
CELERY_TASK_ALWAYS_EAGER = False
# Platform tasks (the per-firm dispatcher) live outside the apps that autodiscovery scans.
CELERY_IMPORTS = ["advisoros.tasks"]
# Queues by workload and the routes to them: advisoros/queues.py (the one place).
CELERY_TASK_ROUTES = queues.TASK_ROUTES
# Beat is a singleton: it sends only while holding a Redis lock (advisoros/beat_lock.py),
# renewed at every tick; ticks come at least every BEAT_MAX_LOOP_INTERVAL, well inside the
# lock's lifetime, and a standby beat takes over within BEAT_LOCK_SECONDS of a holder's end.
CELERY_BEAT_SCHEDULER = "advisoros.beat_lock:LockedScheduler"
BEAT_LOCK_SECONDS = env_int("BEAT_LOCK_SECONDS", 30)
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, BEAT_LOCK_SECONDS // 3)

# --- Auth -------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses to even check a password for a locked-out account or address.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the signed-in user of each request from Redis.
    "apps.accounts.backends.CachedModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_URL_PATH = "/accounts/sign-in/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Roles are invalidated by tag bumps on every change (advisoros/cache_tags.py); the
# lifetime only bounds how long a bump lost to a Redis failure (logged) can leave one stale.
PERMISSION_CACHE_SECONDS = env_int("PERMISSION_CACHE_SECONDS", 5 * 60)

# Sessions: staff idle timeout is per firm (Firm.staff_idle_timeout_minutes, default 15).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
# Changing email or MFA needs the password again when the last check is older than this.
REAUTH_SECONDS = env_int("REAUTH_SECONDS", 5 * 60)
# Proxies in front of the app whose X-Forwarded-For is trusted for the client address
# (audit, sign-in risk, lock-outs); 0 trusts only the socket's peer.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Brute-force lockout (django-axes): per account and per address, expiring.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "advisoros.request_info.axes_client_ip"
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "AdvisorOS"
# Password reset mail per client address and per account in one window (Redis counters,
# apps/security/rate_limits.py).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 5)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env_int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", 3)
PASSWORD_RESET_LIMIT_WINDOW_SECONDS = env_int("PASSWORD_RESET_LIMIT_WINDOW_SECONDS", 60 * 60)
FIRM_HOST_CACHE_SECONDS = env_int("FIRM_HOST_CACHE_SECONDS", 60 * 60)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PROD
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Used by EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend in development.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"AdvisorOS <no-reply@{BASE_DOMAIN}>")
# Firm mail (apps/mail): attempts before a message is marked failed; the links in mail
# use this scheme (https in production).
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6)
SITE_SCHEME = env_str("SITE_SCHEME", "https" if IS_PROD else "http")
# Port in links to a firm's host ("" for the scheme's default; dev: runserver's 8000).
SITE_PORT = env_str("SITE_PORT", "" if IS_PROD else "8000")
# People (apps/people, docs/people.md): invitation lifetime, and how long after one
# message notice another new message in the same thread sends no second email.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
MESSAGE_EMAIL_QUIET_MINUTES = env_int("MESSAGE_EMAIL_QUIET_MINUTES", 10)
# Portal users hear about a document request this many days before a line is due.
REQUEST_DUE_SOON_DAYS = env_int("REQUEST_DUE_SOON_DAYS", 3)

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.security.api_keys.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.security.throttles.ApiKeyRateThrottle",
        "apps.security.throttles.SignedInUserRateThrottle",
        "apps.security.throttles.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env_str("THROTTLE_API_KEY", "600/minute"),
        "user": env_str("THROTTLE_USER", "600/minute"),
        "anon": env_str("THROTTLE_ANON", "120/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON, written by orjson (advisoros/renderers.py); the browsable API as before.
    "DEFAULT_RENDERER_CLASSES": ["advisoros.renderers.FastJSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    # django-filter, skipped when a request names no filter (advisoros/api_filters.py).
    "DEFAULT_FILTER_BACKENDS": ["advisoros.api_filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AdvisorOS API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components: uploads are binary files, not URLs.
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the error answers it can give (advisoros/api.py).
    # Several models have a "status": name the choice sets that would otherwise collide.
    "ENUM_NAME_OVERRIDES": {"InvoiceStatusEnum": "apps.billing.models.Invoice.Status",
                            "ClientStatusEnum": "apps.portal.models.Client.Status",
                            "EngagementStatusEnum": "apps.portal.models.Engagement.Status",
                            "TaskStatusEnum": "apps.portal.models.Task.Status",
                            "DocumentStatusEnum": "apps.documents.models.Document.Status",
                            "TaskPriorityEnum": "apps.portal.models.Task.Priority",
                            "DocumentPriorityEnum": "apps.documents.models.Priority"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "advisoros.api.document_error_responses",
                             "advisoros.api.json_bodies_for_nested_input",
                             "advisoros.api.decimals_need_a_digit",
                             "advisoros.api.request_text_as_drf_reads_it",
                             # Every enum lists each code's label (advisoros/api_enums.py).
                             "advisoros.api_enums.enum_labels"],
}

# --- Marketplace -------------------------------------------------------------------------
# hashed (local n-gram embedding, no download), sentence-transformers (a model already
# installed locally; never fetched), or auto (the model when it loads, else hashed).
MARKETPLACE_EMBEDDER = env_str("MARKETPLACE_EMBEDDER", "auto")
MARKETPLACE_EMBEDDER_MODEL = env_str("MARKETPLACE_EMBEDDER_MODEL", "all-MiniLM-L6-v2")
MARKETPLACE_SEARCH_CACHE_SECONDS = env_int("MARKETPLACE_SEARCH_CACHE_SECONDS", 5 * 60)
MARKETPLACE_MATCH_CACHE_SECONDS = env_int("MARKETPLACE_MATCH_CACHE_SECONDS", 10 * 60)

# --- Billing (apps/billing, docs/billing.md) ----------------------------------------------
# Online card payments: a class with charge()/refund() (apps/billing/providers.py). The
# local fake takes no real money; production hides online payment while it is configured.
BILLING_PAYMENT_PROVIDER = env_str("BILLING_PAYMENT_PROVIDER",
                                   "apps.billing.providers.FakeProvider")

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed and compressed with a manifest whether or not DEBUG is on, so collectstatic
    # gives the same result however it is run (advisoros/staticfiles.py).
    "staticfiles": {"BACKEND": "advisoros.staticfiles.ManifestStaticFilesStorage"},
}
# Files answered at the site root on every host (/favicon.ico), before firm routing.
WHITENOISE_ROOT = BASE_DIR / "static" / "webroot"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# --- Documents (apps/documents, docs/documents.md) -------------------------------------
# Uploaded files live outside the web root under per-firm paths with server-made names;
# DOCUMENTS_STORAGE=s3 stores them in a bucket through django-storages (needs boto3).
DOCUMENTS_ROOT = Path(env_str("DOCUMENTS_ROOT", str(DATA_DIR / "documents")))
if env_str("DOCUMENTS_STORAGE", "filesystem") == "s3":
    STORAGES["documents"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env_str("DOCUMENTS_S3_BUCKET"), "default_acl": "private",
        "querystring_auth": True, "file_overwrite": False}}
else:
    STORAGES["documents"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                             "OPTIONS": {"location": str(DOCUMENTS_ROOT), "base_url": None}}
DOCUMENTS_MAX_UPLOAD_BYTES = env_int("DOCUMENTS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
DOCUMENTS_MAX_FILES_PER_UPLOAD = env_int("DOCUMENTS_MAX_FILES_PER_UPLOAD", 50)
# All files of one upload together (the ingress body limit is set a little above it).
DOCUMENTS_MAX_UPLOAD_TOTAL_BYTES = env_int("DOCUMENTS_MAX_UPLOAD_TOTAL_BYTES",
                                           200 * 1024 * 1024)
# A document whose runs keep dying (a file that kills the worker) fails after this many.
DOCUMENTS_MAX_ATTEMPTS = env_int("DOCUMENTS_MAX_ATTEMPTS", 5)
# rapidocr (local, installed by pip), tesseract (when the binary is present) or http (an
# external OCR service at DOCUMENTS_OCR_URL, behind rate limit, breaker and retries).
DOCUMENTS_OCR_BACKEND = env_str("DOCUMENTS_OCR_BACKEND", "rapidocr")
DOCUMENTS_OCR_URL = env_str("DOCUMENTS_OCR_URL", "")
DOCUMENTS_OCR_RATE_PER_SECOND = env_int("DOCUMENTS_OCR_RATE_PER_SECOND", 15)
# Threads per OCR model call, and pages of one document read at once.
DOCUMENTS_OCR_THREADS = env_int("DOCUMENTS_OCR_THREADS", 1)
DOCUMENTS_OCR_PAGE_PARALLELISM = env_int("DOCUMENTS_OCR_PAGE_PARALLELISM", 2)
# Below this confidence a processed document waits for a person (needs_review).
DOCUMENTS_REVIEW_THRESHOLD = float(env_str("DOCUMENTS_REVIEW_THRESHOLD", "0.8"))
# Parsing one file: wall-clock seconds and address-space megabytes for the parser process.
DOCUMENTS_PARSE_SECONDS = env_int("DOCUMENTS_PARSE_SECONDS", 30)
DOCUMENTS_PARSE_MEMORY_MB = env_int("DOCUMENTS_PARSE_MEMORY_MB", 1024)
# Signed download links expire after this many seconds.
DOCUMENTS_LINK_SECONDS = env_int("DOCUMENTS_LINK_SECONDS", 300)
# Sending a processing message gives up after this many seconds (broker down: the upload
# still answers at once and the sweep sends the message later).
DOCUMENTS_PUBLISH_TIMEOUT_SECONDS = env_int("DOCUMENTS_PUBLISH_TIMEOUT_SECONDS", 2)
# Scans at least this large, or needing OCR on more than this many pages, are processed
# in the low-priority lane (queue documents-large).
DOCUMENTS_LARGE_SCAN_BYTES = env_int("DOCUMENTS_LARGE_SCAN_BYTES", 8 * 1024 * 1024)
DOCUMENTS_LARGE_SCAN_PAGES = env_int("DOCUMENTS_LARGE_SCAN_PAGES", 4)
# OCR time budget: seconds per page and per document; pages beyond it are skipped and the
# document goes to review saying so.
DOCUMENTS_OCR_PAGE_SECONDS = env_int("DOCUMENTS_OCR_PAGE_SECONDS", 20)
DOCUMENTS_OCR_DOCUMENT_SECONDS = env_int("DOCUMENTS_OCR_DOCUMENT_SECONDS", 60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Scripts and styles only from our own static files (inline style attributes allowed for
# small layout touches; no inline script anywhere); no framing; forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if IS_PROD:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Observability (apps/observability, docs/operations.md) -----------------------------
# Bearer token Prometheus sends to /metrics; empty: only signed-in platform staff may read it.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 100)
# Request metrics are buffered per process and added to Redis this often (seconds); 0
# writes at the end of every request (tests: deterministic, a Redis round trip each).
OBSERVABILITY_FLUSH_SECONDS = float(env_str("OBSERVABILITY_FLUSH_SECONDS",
                                            "0" if ENV == "test" else "1"))
# Celery queues whose depth is sampled for the dashboard and the queue-depth alert.
OBSERVABILITY_QUEUES = env_list("OBSERVABILITY_QUEUES", list(queues.QUEUES))
# One JSON line per request (method, route, status, duration, queries); off by default
# because gunicorn's access log already has one.
OBSERVABILITY_ACCESS_LOG = env_bool("OBSERVABILITY_ACCESS_LOG", False)
# json (one object per line, with request id, firm and user id) or text (for a terminal).
LOG_FORMAT = env_str("LOG_FORMAT", "json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "apps.observability.jsonlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "text" if LOG_FORMAT == "text" else "json"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # pgserver logs every handle it opens and closes at INFO.
        "pgserver": {"level": "WARNING"},
        # django-axes logs every successful sign-in at INFO; the audit trail has them.
        "axes": {"level": "WARNING"},
        # httpx logs every request at INFO (QuickBooks pages, webhook deliveries).
        "httpx": {"level": "WARNING"},
    },
}

# The one beat schedule lives in advisoros/beat.py and is attached in advisoros/celery.py.

# --- Integrations (apps/integrations, docs/integrations.md) ----------------------------
# QuickBooks Online. QUICKBOOKS_FAKE_URL points every QuickBooks address at the fake server
# shipped in the repo (`manage.py fake_quickbooks`; `make run` starts it): tests and the
# demo never reach Intuit.
QUICKBOOKS_FAKE_URL = env_str("QUICKBOOKS_FAKE_URL", "" if IS_PROD else "http://127.0.0.1:8765")
QUICKBOOKS_CLIENT_ID = env_str("QUICKBOOKS_CLIENT_ID", "" if IS_PROD else "advisoros-dev")
QUICKBOOKS_CLIENT_SECRET = env_str("QUICKBOOKS_CLIENT_SECRET", "" if IS_PROD else "dev-secret")
QUICKBOOKS_WEBHOOK_VERIFIER = env_str("QUICKBOOKS_WEBHOOK_VERIFIER",
                                      "" if IS_PROD else "dev-verifier-token")
QUICKBOOKS_API_BASE = QUICKBOOKS_FAKE_URL or "https://quickbooks.api.intuit.com"
QUICKBOOKS_AUTHORIZE_URL = (QUICKBOOKS_FAKE_URL + "/connect/oauth2" if QUICKBOOKS_FAKE_URL
                            else "https://appcenter.intuit.com/connect/oauth2")
QUICKBOOKS_TOKEN_URL = (QUICKBOOKS_FAKE_URL + "/oauth2/v1/tokens/bearer" if QUICKBOOKS_FAKE_URL
                        else "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
QUICKBOOKS_REVOKE_URL = (QUICKBOOKS_FAKE_URL + "/v2/oauth2/tokens/revoke" if QUICKBOOKS_FAKE_URL
                         else "https://developer.api.intuit.com/v2/oauth2/tokens/revoke")
# A little under QuickBooks' own 500/min and 10 at once per company (see limiter.py).
QUICKBOOKS_PER_MINUTE = env_int("QUICKBOOKS_PER_MINUTE", 480)
QUICKBOOKS_CONCURRENT = env_int("QUICKBOOKS_CONCURRENT", 8)
QUICKBOOKS_GLOBAL_PER_MINUTE = env_int("QUICKBOOKS_GLOBAL_PER_MINUTE", 6000)
QUICKBOOKS_REQUEST_TIMEOUT = float(env_str("QUICKBOOKS_REQUEST_TIMEOUT", "30"))
# How long a request may wait for a slot before the run fails and the next beat retries.
QUICKBOOKS_SLOT_WAIT_SECONDS = float(env_str("QUICKBOOKS_SLOT_WAIT_SECONDS", "120"))
QUICKBOOKS_BREAKER_FAILURES = env_int("QUICKBOOKS_BREAKER_FAILURES", 5)
QUICKBOOKS_BREAKER_RESET_SECONDS = env_int("QUICKBOOKS_BREAKER_RESET_SECONDS", 120)
# Every connected company is synced at least this often (beat; webhooks sooner).
QUICKBOOKS_SYNC_INTERVAL = env_int("QUICKBOOKS_SYNC_INTERVAL", 15 * 60)
QUICKBOOKS_SYNC_BATCH = env_int("QUICKBOOKS_SYNC_BATCH", 1000)
# Outgoing webhooks: hosts allowed even though they resolve to internal addresses (tests,
# local development); plain http only outside production.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS",
                                 [] if IS_PROD else ["127.0.0.1", "localhost"])
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", not IS_PROD)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)

# --- Hot paths and backpressure (issue 13) ------------------------------------------------
# Uploaded files are hashed while they stream in (apps/documents/upload_handlers.py).
FILE_UPLOAD_HANDLERS = [
    "apps.documents.upload_handlers.HashingMemoryFileUploadHandler",
    "apps.documents.upload_handlers.HashingTemporaryFileUploadHandler",
]
# A firm with more documents than this waiting: uploads still succeed, the answer says
# processing is delayed and by about how long (apps/documents/backpressure.py).
DOCUMENTS_BACKLOG_THRESHOLD = env_int("DOCUMENTS_BACKLOG_THRESHOLD", 100)
# A firm with more documents than this waiting sends its new ones to the backlog lane
# (queue documents-backlog), taken in turn with the normal lane: another firm's document
# waits behind at most about twice this many, however large the flood. Lower than the
# threshold above: the lane is invisible to the firm, the "delayed" message is not.
DOCUMENTS_LANE_THRESHOLD = env_int("DOCUMENTS_LANE_THRESHOLD", 20)
# Documents per second assumed when the workers finished none in the last minute.
DOCUMENTS_NOMINAL_RATE_PER_SECOND = env_int("DOCUMENTS_NOMINAL_RATE_PER_SECOND", 20)
# Ask your documents (apps/ask): an optional OpenAI-compatible endpoint that writes an
# answer from the cited passages. Unset (the default) means no document text leaves the
# machine; retrieval alone answers with passages and citations.
ASK_GENERATOR_URL = env_str("ASK_GENERATOR_URL", "")
ASK_GENERATOR_MODEL = env_str("ASK_GENERATOR_MODEL", "")
ASK_GENERATOR_API_KEY = env_str("ASK_GENERATOR_API_KEY", "")
ASK_GENERATOR_TIMEOUT = 20.0
