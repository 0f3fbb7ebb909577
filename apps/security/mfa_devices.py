"""Which MFA devices a person has confirmed, carried on their cached user row, and the
middleware that checks a session's device against it.

django-otp's OTPMiddleware loads the session's device from the database on every
request of a signed-in person (one query per page, API call or upload). The ids of the
user's confirmed devices change only when a device is added, confirmed, used (its
counters are saved) or removed; every such save or delete bumps the user's row in the
user cache (apps/accounts/backends.py, through apps/security/signals.py), so the row
read at the start of the next request always carries the current ids. A removed device
therefore un-verifies its sessions on their very next request, as with django-otp.
"""

from __future__ import annotations

import functools

from django.db.models import CharField, Value
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY, device_classes
from django_otp.middleware import is_verified
from django_otp.models import Device

# The attribute of a cached user row holding its confirmed devices' persistent ids.
DEVICE_IDS_ATTRIBUTE = "otp_confirmed_device_ids"


def confirmed_device_ids_from_database(user_id: int) -> frozenset[str]:
    """The persistent ids ("<app>.<model>/<pk>") of the user's confirmed devices of every
    kind, in one query."""
    per_kind = [
        kind.objects.filter(user_id=user_id, confirmed=True)
        .annotate(label=Value(kind.model_label(), output_field=CharField()))
        .values_list("label", "pk")
        for kind in device_classes()
    ]
    if not per_kind:
        return frozenset()
    rows = per_kind[0].union(*per_kind[1:], all=True) if len(per_kind) > 1 else per_kind[0]
    return frozenset(f"{label}/{pk}" for label, pk in rows)


def confirmed_device_ids(user) -> frozenset[str]:
    """As the request started: from the cached row when it carries them (every request's
    user), else the database (a user object made elsewhere: the sign-in view's)."""
    ids = getattr(user, DEVICE_IDS_ATTRIBUTE, None)
    return confirmed_device_ids_from_database(user.pk) if ids is None else ids


class MfaDeviceMiddleware:
    """Sets `request.user.otp_device` and `request.user.is_verified()` as django-otp's
    OTPMiddleware does, deciding from the cached device ids: the device object itself is
    loaded only if something reads its fields (a verification, the account page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(functools.partial(_verified_user, request, user))
        return self.get_response(request)


def _verified_user(request: HttpRequest, user):
    user.otp_device = None
    user.is_verified = functools.partial(is_verified, user)
    if not user.is_authenticated:
        return user
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return user
    if persistent_id in confirmed_device_ids(user):
        user.otp_device = SimpleLazyObject(
            functools.partial(Device.from_persistent_id, persistent_id))
    else:
        # Removed, unconfirmed or someone else's: this session is no longer verified.
        del request.session[DEVICE_ID_SESSION_KEY]
    return user
