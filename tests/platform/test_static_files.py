"""collectstatic writes the manifest however it is run, and pages served without DEBUG
link the hashed files; a page never fails for a file missing from the manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from advisoros.devstack import ROOT

pytestmark = pytest.mark.django_db
PRODUCTION_STORAGE = "advisoros.staticfiles.ManifestStaticFilesStorage"


def _collectstatic(target: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "advisoros.settings",
                   "ADVISOROS_ENV": "dev", "STATIC_ROOT": str(target),
                   "ADVISOROS_DB_NAME": os.environ.get("ADVISOROS_DB_NAME",
                                                       "advisoros_test_source"), **env}
    environment.pop("DEBUG", None)
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("static")
    # Development defaults: DEBUG on, as someone running it by hand would have it.
    result = _collectstatic(target)
    assert result.returncode == 0, result.stderr[-2000:]
    return target


def _production(settings, static_root: Path) -> None:
    settings.DEBUG = False
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}


def test_collectstatic_with_debug_on_writes_the_manifest(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())

    assert manifest["paths"]
    hashed = next(iter(manifest["paths"].values()))
    assert (collected / hashed).exists()


def test_pages_without_debug_link_hashed_files_after_that_collect(collected, settings):
    _production(settings, collected)
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]

    response = Client(HTTP_HOST="localhost").get("/accounts/sign-in/")

    assert response.status_code == 200
    body = response.content.decode()
    linked = [name for name in manifest.values() if f"/static/{name}" in body]
    assert linked, "no hashed static file linked"


def test_a_page_without_a_manifest_still_renders(tmp_path, settings):
    _production(settings, tmp_path)  # nothing collected here

    response = Client(HTTP_HOST="localhost").get("/accounts/sign-in/")

    assert response.status_code == 200
