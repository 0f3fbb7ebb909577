"""Test settings: the same settings module, in test mode, on its own Redis databases.

Real PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set). Parallel
test runs on one machine pick distinct ADVISOROS_TEST_DB / REDIS_DB_BASE values.
"""

import os

os.environ.setdefault("ADVISOROS_ENV", "test")
os.environ.setdefault("REDIS_DB_BASE", "16")
os.environ.setdefault("ADVISOROS_DB_NAME", "advisoros_test_source")

from advisoros.settings import *  # noqa: F403
from advisoros.settings import DATABASES

DEBUG = False
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("ADVISOROS_TEST_DB", "test_advisoros")}
# Transactional tests are emptied with TRUNCATE; the append-only audit table refuses it
# unless the connection says it is a test connection (apps/audit/migrations/0002).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c advisoros.audit_truncate_allowed=on"
# Anchor copies of test runs stay apart from development's (anchors name their schema's
# identity, so a new test database never matches an earlier run's copies).
AUDIT_ANCHOR_FILE = str(DATA_DIR / "audit-anchors-test.jsonl")  # noqa: F405
# Argon2 is the production hasher; tests hash hundreds of demo users, so use a fast one
# except where a test asks for Argon2 explicitly.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
BASE_DOMAIN = "localhost"
ALLOWED_HOSTS = ["localhost", ".localhost", "testserver"]
# Serve static files from the finders, as in development: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
