"""The account page lists the person's signed-in browsers and signs any other one out;
backup codes can be downloaded the one time they are shown."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.security.models import UserSession
from tests.conftest import PASSWORD, sign_in
from tests.security.helpers import complete_mfa

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def _browser(world, role, agent: str, address: str):
    client = world.client(role)
    client.defaults.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    assert client.get("/accounts/security/").status_code == 200
    return client


def test_the_page_lists_both_browsers_and_signs_the_other_out(firm_a):
    laptop = _browser(firm_a, Role.MANAGER, FIREFOX, "203.0.113.7")
    phone = _browser(firm_a, Role.MANAGER, IPHONE, "198.51.100.20")

    page = laptop.get("/accounts/security/")

    sessions = page.context["sessions"]
    assert [(s.device, s.ip_address, s.is_current, s.where) for s in sessions] == [
        ("Safari on iPhone", "198.51.100.20", False, firm_a.firm.name),
        ("Firefox on Windows", "203.0.113.7", True, firm_a.firm.name)]
    html = page.content.decode()
    assert "This browser" in html and "Safari on iPhone" in html
    revoke = f"/accounts/security/sessions/{sessions[0].id}/revoke/"
    assert revoke in html

    response = laptop.post(revoke)

    assert response.status_code == 302
    assert phone.get("/accounts/security/").headers["Location"].startswith("/accounts/sign-in/")
    assert laptop.get("/accounts/security/").status_code == 200
    assert [s.device for s in laptop.get("/accounts/security/").context["sessions"]] == [
        "Firefox on Windows"]
    with schema_context(firm_a.firm.schema_name):
        assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED,
                                         details__reason__startswith="revoked").count() == 1


def test_nobody_can_sign_out_someone_elses_session(firm_a):
    victim = _browser(firm_a, Role.PARTNER, FIREFOX, "203.0.113.8")
    attacker = _browser(firm_a, Role.BOOKKEEPER, FIREFOX, "203.0.113.9")
    victim_session = UserSession.objects.get(user=firm_a.users[Role.PARTNER])

    response = attacker.post(f"/accounts/security/sessions/{victim_session.pk}/revoke/")

    assert response.status_code == 404
    assert victim.get("/accounts/security/").status_code == 200


def test_the_current_session_and_gets_are_never_revoked(firm_a):
    laptop = _browser(firm_a, Role.AUDITOR, FIREFOX, "203.0.113.10")
    own = UserSession.objects.get(user=firm_a.users[Role.AUDITOR])

    assert laptop.get(f"/accounts/security/sessions/{own.pk}/revoke/").status_code == 405
    assert laptop.post(f"/accounts/security/sessions/{own.pk}/revoke/").status_code == 404

    assert laptop.get("/accounts/security/").status_code == 200


def test_sessions_that_ended_are_not_listed(firm_a):
    laptop = _browser(firm_a, Role.ADMIN, FIREFOX, "203.0.113.11")
    other = _browser(firm_a, Role.ADMIN, IPHONE, "203.0.113.12")
    other.post("/accounts/sign-out/")

    sessions = laptop.get("/accounts/security/").context["sessions"]

    assert [s.device for s in sessions] == ["Firefox on Windows"]


def test_backup_codes_can_be_downloaded_when_shown(firm_a):
    user = firm_a.user(Role.TAX_PREPARER)
    client = sign_in(firm_a.client(), user, mfa=False)
    codes = complete_mfa(client, user)
    client.post("/accounts/reauth/", {"password": PASSWORD})

    page = client.post("/accounts/security/backup-codes/")

    new_codes = page.context["codes"]
    assert set(new_codes).isdisjoint(codes)
    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" '
                     r'download="advisoros-backup-codes.txt"', page.content.decode())
    text = unquote(link.group(1))
    assert user.email in text
    assert [line for line in text.splitlines() if line in new_codes] == new_codes
