"""A real SMTP server for tests that send mail.

`smtp_server` starts aiosmtpd in this process on a free local port, points Django's SMTP
backend at it and yields a `MailBox`: every message the server accepted, parsed. Mail goes
through Django's real SMTP backend and a real SMTP conversation, so a test counts what was
delivered, not what was handed to a fake backend.

Use: add `smtp_server` to a test's arguments (it is re-exported by tests/conftest.py).
For mail that the product sends the usual way (a Celery task queued after commit), use
`outbox` instead: the same server, with tasks run in-process, and `with outbox.deliver():`
around the request runs its after-commit callbacks, so its mail has arrived when the block
ends.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest


@dataclass
class MailBox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _add(self, message: EmailMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose recipients include `address` (case-insensitive)."""
        address = address.lower()
        return [m for m in self.messages if address in m.get("To", "").lower()]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


class _Collect:
    def __init__(self, box: MailBox):
        self.box = box

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.box._add(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[MailBox]:
    from aiosmtpd.controller import Controller

    box = MailBox(host="127.0.0.1", port=_free_port())
    controller = Controller(_Collect(box), hostname=box.host, port=box.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = box.host
    settings.EMAIL_PORT = box.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def outbox(smtp_server, django_capture_on_commit_callbacks) -> Iterator[MailBox]:
    from tests.eager import tasks_inline

    @contextmanager
    def deliver():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    smtp_server.deliver = deliver
    with tasks_inline(propagate=False):
        yield smtp_server
