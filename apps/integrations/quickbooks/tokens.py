"""OAuth 2.0 with QuickBooks: the authorization-code flow, refreshing access tokens, and
revoking them.

Refresh tokens rotate (QuickBooks answers every refresh with a new one and the old one
stops working), so a refresh happens under the connection's row lock: a second worker
waiting on the lock then finds the fresh token instead of spending the old refresh token,
which would fail and disconnect the company. Both tokens are stored encrypted
(apps/security/fields.py) and saved in the same statement.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from apps.integrations.http import http_client
from apps.integrations.models import QuickBooksConnection

SCOPE = "com.intuit.quickbooks.accounting"
_STATE_SALT = "integrations.quickbooks.oauth-state"
STATE_MAX_AGE = 15 * 60
# Refresh a little before expiry so a request never starts with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)


class NeedsReconnect(Exception):
    """The company's refresh token is gone (revoked, expired, rotated elsewhere)."""

    reason = "QuickBooks no longer accepts our access: reconnect the company."


class OAuthError(Exception):
    pass


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: object
    refresh_expires_at: object


def authorize_url(*, state: str, redirect_uri: str) -> str:
    return settings.QUICKBOOKS_AUTHORIZE_URL + "?" + urlencode({
        "client_id": settings.QUICKBOOKS_CLIENT_ID, "response_type": "code",
        "scope": SCOPE, "redirect_uri": redirect_uri, "state": state})


def state_make(*, client_id: int, user_id: int, schema: str) -> tuple[str, str]:
    """A signed state naming the client, the user and the firm, plus a nonce the caller
    keeps in the session: a callback is accepted only in the browser that started it."""
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"c": client_id, "u": user_id, "s": schema, "n": nonce},
                          salt=_STATE_SALT)
    return state, nonce


def state_read(state: str, *, nonce: str | None) -> dict:
    try:
        data = signing.loads(state, salt=_STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise OAuthError("The QuickBooks sign-in took too long; start again.") from error
    except signing.BadSignature as error:
        raise OAuthError("This QuickBooks answer does not belong to a connection we "
                         "started.") from error
    if not nonce or not secrets.compare_digest(str(data.get("n", "")), nonce):
        raise OAuthError("This QuickBooks answer was started in another browser session.")
    return data


def _token_request(form: dict) -> TokenSet:
    try:
        response = http_client().post(settings.QUICKBOOKS_TOKEN_URL, data=form, timeout=15,
                                      auth=(settings.QUICKBOOKS_CLIENT_ID,
                                            settings.QUICKBOOKS_CLIENT_SECRET),
                                      headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise OAuthError(f"QuickBooks could not be reached ({type(error).__name__}).") \
            from error
    if response.status_code == 400 and "invalid_grant" in response.text:
        raise NeedsReconnect("invalid_grant")
    if response.status_code != 200:
        raise OAuthError(f"QuickBooks refused the token request ({response.status_code}).")
    try:
        body = response.json()
        now = timezone.now()
        return TokenSet(
            access_token=body["access_token"], refresh_token=body["refresh_token"],
            access_expires_at=now + timedelta(seconds=int(body["expires_in"])),
            refresh_expires_at=now + timedelta(
                seconds=int(body.get("x_refresh_token_expires_in", 100 * 86400))))
    except (ValueError, KeyError, TypeError) as error:
        raise OAuthError("QuickBooks sent an unreadable token answer.") from error


def code_exchange(*, code: str, redirect_uri: str) -> TokenSet:
    return _token_request({"grant_type": "authorization_code", "code": code,
                           "redirect_uri": redirect_uri})


def tokens_store(connection: QuickBooksConnection, tokens: TokenSet) -> None:
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token
    connection.access_expires_at = tokens.access_expires_at
    connection.refresh_expires_at = tokens.refresh_expires_at
    connection.save(update_fields=["access_token", "refresh_token", "access_expires_at",
                                   "refresh_expires_at", "updated_at"])


def access_token_get(*, connection_id: int, force_refresh: bool = False,
                     rejected_token: str | None = None) -> str:
    """A valid access token for the connection, refreshed (once, under the row lock) when
    it is close to expiry or QuickBooks rejected `rejected_token`."""
    with transaction.atomic():
        connection = QuickBooksConnection.objects.select_for_update().get(pk=connection_id)
        if connection.status in (QuickBooksConnection.Status.DISCONNECTED,
                                 QuickBooksConnection.Status.NEEDS_RECONNECT):
            raise NeedsReconnect(connection.status)
        current = connection.access_token.reveal() if connection.access_token else ""
        fresh_enough = (connection.access_expires_at is not None
                        and connection.access_expires_at - REFRESH_MARGIN > timezone.now())
        rotated_meanwhile = rejected_token is not None and current != rejected_token
        if current and fresh_enough and (not force_refresh or rotated_meanwhile):
            return current
        if current and rotated_meanwhile:
            return current  # another worker refreshed while we waited for the lock
        try:
            tokens = _token_request({"grant_type": "refresh_token",
                                     "refresh_token": connection.refresh_token.reveal()})
        except NeedsReconnect:
            connection_mark(connection, status=QuickBooksConnection.Status.NEEDS_RECONNECT,
                            reason=NeedsReconnect.reason)
            raise
        tokens_store(connection, tokens)
        return tokens.access_token


def connection_mark(connection: QuickBooksConnection, *, status: str, reason: str = "") -> None:
    connection.status = status
    connection.status_reason = reason[:300]
    connection.save(update_fields=["status", "status_reason", "updated_at"])


def tokens_revoke(connection: QuickBooksConnection) -> None:
    """Tell QuickBooks to forget our tokens; a failure here must not keep them stored."""
    token = connection.refresh_token.reveal() if connection.refresh_token else ""
    if not token:
        return
    # The tokens are deleted on our side whatever QuickBooks answers.
    with contextlib.suppress(httpx.HTTPError):
        http_client().post(settings.QUICKBOOKS_REVOKE_URL, json={"token": token}, timeout=10,
                           auth=(settings.QUICKBOOKS_CLIENT_ID,
                                 settings.QUICKBOOKS_CLIENT_SECRET))
