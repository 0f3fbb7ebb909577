"""CPU time spent by each part of the stack during a scenario, read from /proc.

A part is a process tree (granian and its workers, the Celery worker and its children,
the PostgreSQL postmaster and its backends, the Redis server, locust itself). Its CPU
time is the sum over the live tree of user + system time, plus the time of children that
already exited and were reaped (cutime/cstime): a backend that disconnects mid-run still
counts, and no process is counted twice. Sampled before and after; the difference per
request is the table of docs/benchmarks.md. Linux only; elsewhere the parts read as None.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children)."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its end.
    fields = raw[raw.rindex(")") + 2:].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return ppid, (utime + stime + cutime + cstime) / _TICKS


def _all_processes() -> dict[int, tuple[int, float]]:
    table = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                table[int(entry.name)] = stat
    return table


def tree_cpu_seconds(root: int, table: dict[int, tuple[int, float]] | None = None) -> float:
    table = _all_processes() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][1]
        todo.extend(children.get(pid, ()))
    return total


def child_cpu_seconds(root: int) -> dict[int, float]:
    """CPU seconds of each direct child's tree (e.g. per granian worker)."""
    table = _all_processes()
    return {pid: tree_cpu_seconds(pid, table) for pid, (ppid, _) in table.items()
            if ppid == root}


def postgres_pid() -> int | None:
    """The postmaster of the database we talk to, when it runs on this machine."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    except Exception:
        return None
    stat = _stat(backend)
    return stat[0] if stat is not None else None


def redis_pid() -> int | None:
    from apps.observability.store import redis_client

    try:
        pid = int(redis_client().info("server")["process_id"])
    except Exception:
        return None
    return pid if (_PROC / str(pid)).exists() else None


class CpuMeter:
    """CPU seconds per named process tree between `start()` and `stop()`."""

    def __init__(self, roots: dict[str, int | None]) -> None:
        self.roots = roots
        self.before: dict[str, float] = {}
        self.seconds: dict[str, float | None] = {}
        self.split_before: dict[int, float] = {}
        self.worker_split: list[float] = []

    def start(self, split_root: int | None = None) -> None:
        table = _all_processes()
        self.before = {name: tree_cpu_seconds(pid, table) for name, pid in self.roots.items()
                       if pid}
        self.split_root = split_root
        if split_root:
            self.split_before = child_cpu_seconds(split_root)

    def stop(self) -> None:
        table = _all_processes()
        self.seconds = {name: (tree_cpu_seconds(pid, table) - self.before[name]
                               if pid and name in self.before else None)
                        for name, pid in self.roots.items()}
        if self.split_root:
            after = child_cpu_seconds(self.split_root)
            self.worker_split = sorted(
                (after[pid] - self.split_before.get(pid, 0.0) for pid in after), reverse=True)

    def per_request_ms(self, requests: int) -> dict[str, float | None]:
        return {name: (round(seconds * 1000 / requests, 2) if seconds is not None and requests
                       else None) for name, seconds in self.seconds.items()}

    def busiest_worker_share(self) -> float | None:
        """The share of web CPU taken by the busiest worker (0.5 is an even split of 2)."""
        total = sum(self.worker_split)
        return round(self.worker_split[0] / total, 3) if total > 0 else None
