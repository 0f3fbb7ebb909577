"""django-tenants' backend, remembering the search path the session really has.

django-tenants forgets the session's search path whenever a schema is chosen, and the
firm routing middleware chooses one on every request (public first, then the firm's), so
every request began with `SET search_path`: a query and a Postgres round trip each, on a
connection that usually had exactly that path from the previous request of the same firm.
Here the path last applied on this session is remembered, and a switch back to it sends
nothing. It is forgotten whenever the session's path may differ from it: on connect,
close, rollback and rollback to a savepoint (a SET made inside an undone transaction is
undone with it), and when the SET itself failed.
"""

from __future__ import annotations

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
