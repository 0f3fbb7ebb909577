"""Celery's eager mode for tests: tasks run inline, in the test's connection and
transaction.

Set through the namespaced key as well as the plain one: with the Django settings
namespace, some Celery versions (5.6 was seen doing it) read CELERY_TASK_ALWAYS_EAGER from
the settings before a plain `app.conf.task_always_eager = True`, which then has no effect;
one helper instead of a copy of this fixture in every test folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tasks_inline(*, propagate: bool = True) -> Iterator[None]:
    from advisoros.celery import app

    wanted = {"task_always_eager": True, "task_eager_propagates": propagate}
    previous = {key: bool(app.conf.get(key)) for key in wanted}

    def put(values: dict) -> None:
        for key, value in values.items():
            app.conf[key] = value
            app.conf[f"CELERY_{key.upper()}"] = value

    put(wanted)
    try:
        yield
    finally:
        put(previous)
