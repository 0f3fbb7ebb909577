"""Run test work on real, separate connections (as workers would) in a firm's schema."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_in_firm(firm, works: list[Callable[[], None]], errors: list[BaseException],
                timeout: float = 120) -> None:
    """Start one thread per callable (each its own connection, in `firm`'s schema) and
    wait for all; exceptions land in `errors` for the test to assert on."""

    def in_thread(work: Callable[[], None]) -> None:
        try:
            connection.set_tenant(firm)
            work()
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=in_thread, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
