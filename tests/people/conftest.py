"""People fixtures: a real SMTP server, Celery run inline, firm A's schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.eager import tasks_inline
from tests.people.smtp import SmtpServer


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """Django's SMTP backend pointed at an in-process aiosmtpd server."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run tasks inline, in this test's connection and transaction."""
    with tasks_inline():
        yield


@pytest.fixture
def documents_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None}}}
    return tmp_path / "documents"
