import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from advisoros.errors import server_error
from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_the_security_headers(firm_a):
    response = firm_a.client(Role.OWNER).get("/accounts/security/")

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    session_cookie = response.cookies.get("sessionid")
    assert session_cookie is None or session_cookie["httponly"]


def test_server_errors_show_a_request_id_and_no_internals():
    request = RequestFactory().get("/clients/", HTTP_HOST="localhost")
    request.request_id = "abc123"

    body = server_error(request).content.decode()

    assert "abc123" in body
    assert "Traceback" not in body and "File " not in body


def test_api_server_errors_are_json_with_the_request_id():
    request = RequestFactory().get("/api/v1/clients/", HTTP_HOST="localhost")
    request.request_id = "r-9"

    response = server_error(request)

    assert response.status_code == 500
    import json

    assert json.loads(response.content) == {"detail": "Something went wrong on our side.",
                               "request_id": "r-9"}


def test_deploy_checks_pass_with_production_settings():
    import base64

    # A clean production environment: nothing from the test run (browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE in this process, for instance).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "REDIS_URL", "ADVISOROS_", "DJANGO_"))}
    env.update({
        "ADVISOROS_ENV": "prod", "DJANGO_SETTINGS_MODULE": "advisoros.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DATABASE_URL": "postgres://u:p@db.invalid/x",
        "REDIS_URL": "redis://cache.invalid:6379/0",
        "ALLOWED_HOSTS": "example.com,.example.com", "BASE_DOMAIN": "example.com",
        "FIELD_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(40),
    })

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
