"""A real SMTP server for mail tests: aiosmtpd in a thread, on a free local port.

Django's SMTP backend talks to it over TCP exactly as it would to a production relay;
tests read what arrived, parsed as the recipient's mail program would parse it.
"""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_next = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.sink = _Sink()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.sink.messages

    def refuse(self, times: int) -> None:
        """Answer the next `times` deliveries with a temporary failure (451)."""
        self.sink.refuse_next = times

    def wait_for(self, count: int, seconds: float = 5) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def bodies(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html
