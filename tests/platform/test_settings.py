"""Production settings refuse to start without explicit secrets and URLs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_VARS = ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS",
             "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
PROD_VALUES = {"SECRET_KEY": "s" * 50, "DATABASE_URL": "postgres://u:p@db.invalid/x",
               "REDIS_URL": "redis://cache.invalid:6379/0", "ALLOWED_HOSTS": "example.com",
               "FIELD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=", "BLIND_INDEX_KEY": "b" * 40}


def _start_django(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PROD_VARS}
    env.update({"DJANGO_SETTINGS_MODULE": "advisoros.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_prod_without_anything_names_every_missing_variable():
    result = _start_django({"ADVISOROS_ENV": "prod"})

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert ("ADVISOROS_ENV=prod refuses to start without SECRET_KEY, DATABASE_URL, "
            "REDIS_URL, ALLOWED_HOSTS, FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY") in result.stderr


@pytest.mark.parametrize("missing", PROD_VARS)
def test_prod_names_the_one_missing_variable(missing):
    values = dict(PROD_VALUES)
    del values[missing]

    result = _start_django({"ADVISOROS_ENV": "prod", **values})

    assert result.returncode != 0
    assert f"refuses to start without {missing}: set it" in result.stderr


def test_prod_with_everything_set_starts():
    result = _start_django({"ADVISOROS_ENV": "prod", **PROD_VALUES})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_unknown_mode_is_refused():
    result = _start_django({"ADVISOROS_ENV": "staging"})

    assert result.returncode != 0
    assert "ADVISOROS_ENV must be dev, test or prod" in result.stderr
