"""A signed-in request checks its session's MFA device against the ids carried by the
cached user row (apps/security/mfa_devices.py): no device query on a warm request, and a
removed device un-verifies its sessions on their very next request (issue 13)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db

_DEVICE_TABLES = ('"otp_totp_totpdevice"', '"otp_static_staticdevice"',
                  '"security_backupcodedevice"')
PAGE = "/staff/clients/"


def _device_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries
            if any(table in q["sql"] for table in _DEVICE_TABLES)]


def test_a_warm_request_runs_no_mfa_device_query(firm_a):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get(PAGE).status_code == 200  # warms the user row

    with CaptureQueriesContext(connection) as captured:
        response = staff.get(PAGE)

    assert response.status_code == 200  # verified: not sent to two-step sign-in
    assert _device_queries(captured) == []


def test_a_removed_device_unverifies_the_session_on_the_next_request(
        firm_a, django_capture_on_commit_callbacks):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get(PAGE).status_code == 200
    assert staff.get(PAGE).status_code == 200  # answered from the cached row

    with django_capture_on_commit_callbacks(execute=True):
        TOTPDevice.objects.filter(user=firm_a.users[Role.MANAGER]).delete()

    response = staff.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/setup/")
    assert DEVICE_ID_SESSION_KEY not in staff.session


def test_an_unconfirmed_device_does_not_verify(firm_a, django_capture_on_commit_callbacks):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get(PAGE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        for device in TOTPDevice.objects.filter(user=firm_a.users[Role.MANAGER]):
            device.confirmed = False
            device.save(update_fields=["confirmed"])

    response = staff.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/setup/")


def test_another_persons_device_in_the_session_does_not_verify(firm_a):
    staff = firm_a.client(Role.MANAGER)
    partner_device = TOTPDevice.objects.create(user=firm_a.users[Role.PARTNER],
                                               name="Partner's phone", confirmed=True)
    session = staff.session
    session[DEVICE_ID_SESSION_KEY] = partner_device.persistent_id
    session.save()

    response = staff.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/verify/")  # has its own device
    assert DEVICE_ID_SESSION_KEY not in staff.session


def test_the_device_is_there_for_whoever_reads_it(firm_a):
    from django.test import RequestFactory

    from apps.accounts.backends import CachedModelBackend
    from apps.security.mfa_devices import _verified_user

    manager = firm_a.users[Role.MANAGER]
    device = TOTPDevice.objects.get(user=manager) if TOTPDevice.objects.filter(
        user=manager).exists() else TOTPDevice.objects.create(user=manager, name="Phone",
                                                               confirmed=True)
    request = RequestFactory().get(PAGE)
    request.session = {DEVICE_ID_SESSION_KEY: device.persistent_id}

    user = _verified_user(request, CachedModelBackend().get_user(manager.pk))

    assert user.is_verified()
    assert user.otp_device.pk == device.pk and user.otp_device.name == device.name
