"""pg_stat_statements: the database's own view of its most expensive queries.

Enabled where the server allows it (migration 0002 creates the extension when the server
ships it). The embedded pgserver build does not ship it, and a server may have it
installed but not preloaded; the dashboard then shows `note` instead of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from apps.observability.queries import normalize_sql


@dataclass
class StatementsReport:
    available: bool
    note: str = ""
    rows: list[dict] = field(default_factory=list)


TOP_SQL = """
    SELECT query, calls, total_exec_time, mean_exec_time, rows
    FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC
    LIMIT %s
"""


def pg_stat_statements_top(limit: int = 10) -> StatementsReport:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'),"
            " EXISTS (SELECT 1 FROM pg_available_extensions"
            "         WHERE name = 'pg_stat_statements')")
        installed, shipped = cursor.fetchone()
    if not shipped:
        return StatementsReport(False, "This PostgreSQL server does not ship the "
                                "pg_stat_statements extension (the embedded pgserver build "
                                "does not); top queries come from the slow-query log only.")
    if installed is None:
        return StatementsReport(False, "pg_stat_statements is available but not created in "
                                "this database: run `CREATE EXTENSION pg_stat_statements` as "
                                "a superuser, or re-run the observability migrations.")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(TOP_SQL, [limit])
            rows = cursor.fetchall()
    except DatabaseError:
        return StatementsReport(False, "pg_stat_statements is installed but not loaded: add it "
                                "to shared_preload_libraries and restart PostgreSQL.")
    return StatementsReport(True, "", [
        {"sql": normalize_sql(query), "calls": calls, "total_ms": round(total, 1),
         "mean_ms": round(mean, 2), "rows": nrows}
        for query, calls, total, mean, nrows in rows
    ])
