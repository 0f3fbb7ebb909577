"""Django's cached-database session store, reading the session from the values fetched at
the request's start when it was among them (advisoros/cache_prefetch.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from advisoros import cache_prefetch


class SessionStore(cached_db.SessionStore):
    def load(self):
        found = cache_prefetch.prefetched(settings.SESSION_CACHE_ALIAS, self.cache_key)
        if found is not cache_prefetch.NOT_PREFETCHED and found is not None:
            return found
        return super().load()

    def save(self, must_create=False):
        super().save(must_create)
        cache_prefetch.forget(settings.SESSION_CACHE_ALIAS, [self.cache_key])

    def delete(self, session_key=None):
        key = session_key or self.session_key
        super().delete(session_key)
        if key:
            cache_prefetch.forget(settings.SESSION_CACHE_ALIAS, [self.cache_key_prefix + key])
