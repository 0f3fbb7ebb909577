from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.security.models import SignInRecord
from apps.security.services import device_hash
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _attempt(client, email, password, ip="127.0.0.1"):
    return client.post("/accounts/sign-in/", {"username": email, "password": password},
                       REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_even_with_the_right_password(firm_a):
    email = firm_a.user(Role.MANAGER).email
    client = firm_a.client()
    for _ in range(5):
        _attempt(client, email, "wrong-password-xx", ip="198.51.100.7")

    response = _attempt(client, email, PASSWORD, ip="198.51.100.99")

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    with schema_context(firm_a.firm.schema_name):
        assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).exists()


def test_failures_from_one_address_lock_that_address(firm_a):
    client = firm_a.client()
    for n in range(5):
        _attempt(client, f"nobody{n}@nowhere.test", "x" * 12, ip="198.51.100.8")

    blocked = _attempt(client, firm_a.user(Role.OWNER).email, PASSWORD, ip="198.51.100.8")
    elsewhere = _attempt(firm_a.client(), firm_a.user(Role.OWNER).email, PASSWORD,
                         ip="198.51.100.9")

    assert blocked.status_code == 429
    assert elsewhere.status_code == 302


def test_the_lockout_cools_off(firm_a):
    email = firm_a.user(Role.PARTNER).email
    client = firm_a.client()
    for _ in range(5):
        _attempt(client, email, "wrong-password-yy", ip="198.51.100.10")
    assert _attempt(client, email, PASSWORD, ip="198.51.100.10").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert _attempt(client, email, PASSWORD, ip="198.51.100.10").status_code == 302


def _history(user, *, device: str, network: str, hours: list[int]) -> None:
    SignInRecord.objects.bulk_create(
        SignInRecord(user=user, attempted_email=user.email, succeeded=True, network=network,
                     device_hash=device_hash(device), hour_utc=hour) for hour in hours)


def test_first_sign_in_is_low_risk(firm_a):
    user = firm_a.user(Role.CLIENT_MEMBER)

    _attempt(firm_a.client(), user.email, PASSWORD)

    record = SignInRecord.objects.get(user=user, succeeded=True)
    assert (record.risk_score, record.risk_level, record.reasons) == (0, "low", [])


def test_new_device_and_network_demand_mfa_step_up_and_email(firm_a, eager_celery,
                                                             django_capture_on_commit_callbacks):
    user = firm_a.user(Role.CLIENT_MEMBER)  # clients need no MFA ordinarily
    now_hour = timezone.now().hour
    _history(user, device="a" * 32, network="10.1.2.0/24", hours=[now_hour] * 3)
    client = firm_a.client()

    with django_capture_on_commit_callbacks(execute=True):
        response = _attempt(client, user.email, PASSWORD, ip="203.0.113.50")

    assert response.status_code == 302
    record = SignInRecord.objects.filter(user=user).order_by("-id").first()
    assert record.reasons == ["new_device", "new_network"]
    assert (record.risk_score, record.risk_level) == (50, "risky")
    assert client.get("/").headers["Location"].startswith("/accounts/mfa/setup/")
    assert [m.subject for m in mail.outbox] == ["New sign-in to your AdvisorOS account"]
    assert mail.outbox[0].to == [user.email]


def test_known_device_and_network_is_low_risk(firm_a):
    user = firm_a.user(Role.CLIENT_MEMBER)
    client = firm_a.client()
    _attempt(client, user.email, PASSWORD, ip="203.0.113.60")  # first: sets the device cookie
    client.post("/accounts/sign-out/")

    _attempt(client, user.email, PASSWORD, ip="203.0.113.61")

    record = SignInRecord.objects.filter(user=user).order_by("-id").first()
    assert record.reasons == []


def test_critical_risk_locks_the_account_until_an_admin_unlocks_it(
        firm_a, eager_celery, django_capture_on_commit_callbacks):
    user = firm_a.user(Role.STAFF_ACCOUNTANT)
    _history(user, device="b" * 32, network="10.9.9.0/24",
             hours=[(timezone.now().hour + 12) % 24] * 6)
    SignInRecord.objects.bulk_create(
        SignInRecord(user=user, attempted_email=user.email, succeeded=False, hour_utc=0)
        for _ in range(3))
    client = firm_a.client()

    with django_capture_on_commit_callbacks(execute=True):
        response = _attempt(client, user.email, PASSWORD, ip="203.0.113.70")

    assert response.status_code == 200
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    locked = User.objects.get(pk=user.pk)
    assert locked.locked_at is not None
    assert "Sign-in from a browser never used" in locked.lock_reason
    assert "Your AdvisorOS account is locked" in [m.subject for m in mail.outbox]
    # Even later, with the right password and a quiet record, sign-in is refused.
    again = _attempt(firm_a.client(), user.email, PASSWORD, ip="10.9.9.5")
    assert "locked" in again.content.decode()

    admin = firm_a.client(Role.ADMIN)
    page = admin.get("/security/")
    assert user.email in page.content.decode()
    assert admin.post(f"/security/members/{user.pk}/unlock/").status_code == 302

    assert User.objects.get(pk=user.pk).locked_at is None
    with schema_context(firm_a.firm.schema_name):
        assert AuditEvent.objects.filter(action=AuditAction.RISK_LOCKED).exists()
        assert AuditEvent.objects.filter(action=AuditAction.UNLOCKED,
                                         target_id=str(user.pk)).exists()


def test_a_locked_users_open_session_ends(firm_a):
    client = firm_a.client(Role.SENIOR_ACCOUNTANT)
    User.objects.filter(pk=firm_a.user(Role.SENIOR_ACCOUNTANT).pk).update(
        locked_at=timezone.now())

    assert client.get("/accounts/security/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_risk_rules_and_scores_are_shown_to_firm_admins_only(firm_a):
    _attempt(firm_a.client(), firm_a.user(Role.BOOKKEEPER).email, PASSWORD)

    page = firm_a.client(Role.OWNER).get("/security/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "Sign-in from a network (/24 or /48) never used by this account" in body
    assert firm_a.user(Role.BOOKKEEPER).email in body
    assert firm_a.client(Role.STAFF_ACCOUNTANT).get("/security/").status_code == 403


def test_unlock_is_refused_for_someone_outside_the_firm(firm_a, firm_b):
    outsider = firm_b.user(Role.OWNER)
    response = firm_a.client(Role.ADMIN).post(f"/security/members/{outsider.pk}/unlock/")

    assert response.status_code == 404
