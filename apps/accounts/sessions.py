"""Ending a person's sessions from the server side (a deactivated member, for one)."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone


def user_sessions_end(*, user_id: int) -> int:
    """Delete every live session signed in as `user_id` (database row and cached copy);
    returns how many. Sessions carry no firm, so this signs the person out everywhere:
    they sign in again wherever they are still a member.

    Session rows store their data signed and encoded, so finding a user's sessions means
    decoding the live ones; deactivations are rare, and it runs after commit."""
    ended = 0
    store = SessionStore()
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session_key, data in live.values_list("session_key", "session_data").iterator():
        if str(store.decode(data).get(SESSION_KEY)) == str(user_id):
            # Through the store, so the cached copy (SESSION_CACHE_ALIAS) goes too.
            SessionStore(session_key=session_key).delete()
            ended += 1
    return ended
