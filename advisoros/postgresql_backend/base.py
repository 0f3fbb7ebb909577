"""django-tenants' backend, remembering the search path the session really has.

django-tenants forgets the session's search path whenever a schema is chosen, and the
firm routing middleware chooses one on every request (public first, then the firm's), so
every request began with `SET search_path`: a query and a Postgres round trip each, on a
connection that usually had exactly that path from the previous request of the same firm.
Here the path last applied on this session is remembered, and a switch back to it sends
nothing. It is forgotten whenever the session's path may differ from it: on connect,
close, rollback and rollback to a savepoint (a SET made inside an undone transaction is
undone with it), and when the SET itself failed.

The health check of a kept connection (CONN_HEALTH_CHECKS, at the first query of every
request and every Celery task) is Django's `SELECT 1`: a Postgres round trip per request
that no query count shows. A connection the server ended (restart, terminated backend,
idle timeout) has something to read: the server's last message, or the end of the
stream. A healthy idle connection has nothing, so a zero-timeout poll of its socket
answers without a round trip; when the socket does have data (a dead server, or a late
notice) the `SELECT 1` decides as before.
"""

from __future__ import annotations

import select

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.search_path_on_session = None  # what the server session has, None: unknown

    def _handle_search_path(self, cursor=None):
        if (self.search_path_set_schemas is None and not self._setting_search_path
                and self.search_path_on_session is not None
                and self._get_cursor_search_paths() == self.search_path_on_session):
            self.search_path_set_schemas = self.search_path_on_session
            return
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            self.search_path_on_session = self.search_path_set_schemas

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            if not poller.poll(0):
                return True  # nothing from the server: the session is as it was left
        except (OSError, ValueError):
            return False
        return super().is_usable()

    def connect(self):
        self.search_path_on_session = None
        super().connect()

    def close(self):
        self.search_path_on_session = None
        super().close()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self.search_path_on_session = None

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self.search_path_on_session = None
