"""Run test work on real, separate connections (as workers would) in a firm's schema."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass
class Race:
    """One race on committed rows, as workers would run it: `setup` commits the rows, then
    `racers` copies of the racing work run at once, each on its own connection, released
    together by `start`; then `settle` counts what they made and removes every row (the
    race's rows are committed, so the test's rollback would not).

    The three callables share what they need through the race: `ids` (set by setup),
    `results` (one per racer), `counts` (set by settle); exceptions land in `errors`."""

    racers: int = 4
    ids: dict[str, int] = field(default_factory=dict)
    results: list = field(default_factory=list)
    counts: dict[str, object] = field(default_factory=dict)
    errors: list[BaseException] = field(default_factory=list)
    start: threading.Barrier = field(init=False)

    def __post_init__(self) -> None:
        self.start = threading.Barrier(self.racers)

    def run(self, firm, django_db_blocker, *, setup: Callable[[], None],
            racer: Callable[[], None], settle: Callable[[], None]) -> None:
        with django_db_blocker.unblock():
            run_in_firm(firm, [setup], self.errors)
            run_in_firm(firm, [racer] * self.racers, self.errors)
            run_in_firm(firm, [settle], self.errors)
