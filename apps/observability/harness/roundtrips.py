"""Counting Redis round trips in this process (the cost per request that query counts do
not show): every command sent alone, and every pipeline, is one packed send."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.connection import AbstractConnection


class RoundTrips:
    def __init__(self) -> None:
        self.count = 0
        self.sent: list[str] = []  # the start of each send, for assertion messages

    def __repr__(self) -> str:
        return f"{self.count} Redis round trips: " + " | ".join(self.sent)


@contextmanager
def redis_round_trips() -> Iterator[RoundTrips]:
    """Counts the round trips to any Redis (cache, broker, throttles) made inside."""
    counted = RoundTrips()
    original = AbstractConnection.send_packed_command

    def send(connection, command, check_health=True):
        counted.count += 1
        head = command if isinstance(command, bytes | str) else b"".join(
            bytes(part) for part in command[:3])
        text = head.decode(errors="replace") if isinstance(head, bytes) else head
        counted.sent.append(text[:90].replace("\r\n", " "))
        return original(connection, command, check_health)

    AbstractConnection.send_packed_command = send
    try:
        yield counted
    finally:
        AbstractConnection.send_packed_command = original
