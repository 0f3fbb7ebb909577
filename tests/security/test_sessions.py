import time

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import Client

from apps.accounts.roles import Role
from apps.firms.models import Firm
from apps.security.middleware import AUTH_AT, LAST_SEEN
from apps.security.models import EmailChangeRequest
from tests.conftest import PASSWORD, sign_in
from tests.security.helpers import complete_mfa

pytestmark = pytest.mark.django_db


def _age_session(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_sign_in_rotates_the_session_key(firm_a):
    client = firm_a.client()
    client.get("/accounts/sign-in/")
    client.session["probe"] = 1
    before = client.session.session_key or "none"

    client.post("/accounts/sign-in/", {"username": firm_a.user(Role.OWNER).email,
                                       "password": PASSWORD})

    assert client.session.session_key != before


def test_sign_out_kills_the_server_side_session(firm_a):
    client = firm_a.client(Role.MANAGER)
    old_key = client.session.session_key

    client.post("/accounts/sign-out/")

    assert not SessionStore().exists(old_key)
    stolen = Client(HTTP_HOST=firm_a.host)
    stolen.cookies["sessionid"] = old_key
    assert stolen.get("/security/audit/").status_code == 302


def test_staff_idle_for_15_minutes_are_signed_out(firm_a):
    client = firm_a.client(Role.PARTNER)
    _age_session(client, **{LAST_SEEN: 14 * 60})
    assert client.get("/security/audit/").status_code == 200

    _age_session(client, **{LAST_SEEN: 16 * 60})
    response = client.get("/security/audit/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/sign-in/")
    assert "_auth_user_id" not in client.session


def test_the_idle_timeout_is_per_firm(firm_a, django_capture_on_commit_callbacks):
    firm = Firm.objects.get(pk=firm_a.firm.pk)
    with django_capture_on_commit_callbacks(execute=True):
        firm.staff_idle_timeout_minutes = 60
        firm.save(update_fields=["staff_idle_timeout_minutes"])

    client = firm_a.client(Role.PARTNER)
    _age_session(client, **{LAST_SEEN: 30 * 60})
    assert client.get("/security/audit/").status_code == 200
    _age_session(client, **{LAST_SEEN: 61 * 60})
    assert client.get("/security/audit/").status_code == 302


def test_sessions_have_an_absolute_lifetime(firm_a, settings):
    client = firm_a.client(Role.PARTNER)
    _age_session(client, **{AUTH_AT: settings.SESSION_ABSOLUTE_SECONDS + 5, LAST_SEEN: 1})

    response = client.get("/security/audit/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_ends_other_sessions_but_keeps_this_one(firm_a):
    user = firm_a.user(Role.SENIOR_ACCOUNTANT)
    other_device = firm_a.client(Role.SENIOR_ACCOUNTANT)
    this_device = firm_a.client(Role.SENIOR_ACCOUNTANT)
    new_password = "another-long-passphrase-91"

    response = this_device.post("/accounts/security/password/", {
        "old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password})

    assert response.status_code == 302
    assert this_device.get("/accounts/security/").status_code == 200
    assert other_device.get("/accounts/security/").status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


@pytest.mark.parametrize("weak", ["short1", "password1234", "123456789012"])
def test_weak_new_passwords_are_refused_inline(firm_a, weak):
    client = firm_a.client(Role.SENIOR_ACCOUNTANT)

    response = client.post("/accounts/security/password/", {
        "old_password": PASSWORD, "new_password1": weak, "new_password2": weak})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_deactivation_ends_the_users_sessions(firm_a):
    client = firm_a.client(Role.BOOKKEEPER)
    user = firm_a.user(Role.BOOKKEEPER)

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get("/accounts/security/").status_code == 302


def test_changing_email_needs_reauthentication(firm_a):
    client = firm_a.client(Role.STAFF_ACCOUNTANT)
    user = firm_a.user(Role.STAFF_ACCOUNTANT)

    response = client.post("/accounts/security/email/", {"email": "new@alpha.test"})
    assert response.headers["Location"].startswith("/accounts/reauth/")
    wrong = client.post("/accounts/reauth/", {"password": "nope-nope-nope"})
    assert "not your current password" in wrong.content.decode()
    client.post("/accounts/reauth/", {"password": PASSWORD})
    response = client.post("/accounts/security/email/", {"email": "NEW@alpha.test"})

    assert response.status_code == 302
    # Asked for, not applied: the new address confirms it (tests/security/test_email_change.py).
    assert EmailChangeRequest.objects.get(user=user).new_email == "new@alpha.test"


def test_email_change_refuses_a_taken_address(firm_a):
    client = firm_a.client(Role.STAFF_ACCOUNTANT)
    client.post("/accounts/reauth/", {"password": PASSWORD})

    response = client.post("/accounts/security/email/",
                           {"email": firm_a.user(Role.OWNER).email})

    assert "Another account uses this address" in response.content.decode()


def test_full_sign_in_journey_with_mfa_then_session_works(firm_b):
    client = firm_b.client()
    client.post("/accounts/sign-in/", {"username": firm_b.user(Role.AUDITOR).email,
                                       "password": PASSWORD})
    complete_mfa(client, firm_b.user(Role.AUDITOR))

    assert client.get("/security/audit/").status_code == 200
    sign_in(client, firm_b.user(Role.AUDITOR))


def test_firm_admins_set_the_sign_in_rules_and_the_change_is_audited(firm_a):
    from django_tenants.utils import schema_context

    from apps.audit.models import AuditAction, AuditEvent

    client = firm_a.client(Role.ADMIN)
    response = client.post("/security/settings/", {"mfa_required_for_clients": "on",
                                                   "staff_idle_timeout_minutes": "30"})

    assert response.status_code == 302
    firm = Firm.objects.get(pk=firm_a.firm.pk)
    assert (firm.mfa_required_for_clients, firm.staff_idle_timeout_minutes) == (True, 30)
    with schema_context(firm.schema_name):
        event = AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).first()
    assert event.details == {"before": {"mfa_required_for_clients": False,
                                        "staff_idle_timeout_minutes": 15},
                             "after": {"mfa_required_for_clients": True,
                                       "staff_idle_timeout_minutes": 30}}


@pytest.mark.parametrize("minutes", ["0", "1000", "-5", "ten", "\x00"])
def test_bad_sign_in_rules_are_inline_errors(firm_a, minutes):
    response = firm_a.client(Role.ADMIN).post("/security/settings/",
                                              {"staff_idle_timeout_minutes": minutes})

    assert response.status_code == 400
    assert "staff_idle_timeout_minutes" in response.context["form"].errors
    assert Firm.objects.get(pk=firm_a.firm.pk).staff_idle_timeout_minutes == 15


def test_only_firm_admins_change_the_sign_in_rules(firm_a):
    assert firm_a.client(Role.PARTNER).post("/security/settings/", {
        "staff_idle_timeout_minutes": "200"}).status_code == 403
