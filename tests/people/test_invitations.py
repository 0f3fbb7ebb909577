"""Invitations: sent by mail, accepted once, every misuse answered with a clear page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.firms.models import Firm
from apps.people.invitations import invitation_create, invitation_token
from apps.people.models import Invitation, Notification
from apps.portal.models import ClientAccess
from tests.conftest import PASSWORD, sign_in
from tests.people.helpers import invitation_path
from tests.people.smtp import bodies
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-and-new-passphrase-77"


@pytest.fixture
def mail_now(smtp, celery_eager, django_capture_on_commit_callbacks):
    """Run after-commit callbacks (mail tasks) of the block at its end, like a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _invite_staff(firm_a, mail_now, email="new.hire@example.com", role=Role.MANAGER):
    owner = firm_a.client(Role.OWNER)
    with mail_now():
        response = owner.post("/people/team/invite/", {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:500]
    return owner


def test_an_owner_invites_a_colleague_who_accepts_and_must_set_up_two_step_sign_in(
        firm_a, smtp, mail_now):
    _invite_staff(firm_a, mail_now)

    [message] = smtp.wait_for(1)
    text, html = bodies(message)
    assert message["To"] == "new.hire@example.com"
    assert message["From"].addresses[0].display_name == "Alpha CPA"
    assert "as manager" in text and "Accept the invitation" in html
    path = invitation_path(message)

    visitor = firm_a.client()
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, {"full_name": "Nia Hire", "password": NEW_PASSWORD,
                                   "password_again": NEW_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="new.hire@example.com")
    assert user.check_password(NEW_PASSWORD) and user.full_name == "Nia Hire"
    assert Membership.objects.get(user=user, firm=firm_a.firm).role == Role.MANAGER
    # Staff must use two-step sign-in: the next page is the existing enrolment flow.
    follow = visitor.get("/")
    assert follow.status_code == 302 and follow["Location"].startswith("/accounts/mfa/setup/")
    with schema_context(firm_a.firm.schema_name):
        invitation = Invitation.objects.get(email="new.hire@example.com")
        assert invitation.status == Invitation.Status.ACCEPTED
        assert invitation.accepted_by_id == user.pk
        actions = set(AuditEvent.objects.filter(target_id=str(invitation.pk))
                      .values_list("action", flat=True))
    assert {"people.invitation_sent", "people.invitation_accepted"} <= actions
    with schema_context(firm_a.firm.schema_name):
        [notice] = Notification.objects.filter(user_id=firm_a.users[Role.OWNER].pk)
    assert notice.title == "Nia Hire accepted your invitation" and notice.url == "/people/team/"


def test_a_client_user_is_invited_from_the_clients_page_and_lands_in_its_portal(
        firm_a, smtp, mail_now):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Maple Bakery LLC")
    manager = firm_a.client(Role.MANAGER)
    assert manager.get(f"/people/clients/{client.pk}/access/").status_code == 200
    with mail_now():
        response = manager.post(f"/people/clients/{client.pk}/access/invite/",
                                {"email": "baker@example.com", "role": Role.CLIENT_OWNER})
    assert response.status_code == 302
    path = invitation_path(smtp.wait_for(1)[0])
    assert "Maple Bakery LLC" in bodies(smtp.messages[0])[0]

    visitor = firm_a.client()
    response = visitor.post(path, {"full_name": "Bea Baker", "password": NEW_PASSWORD,
                                   "password_again": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == f"/portal/{client.pk}/"
    user = User.objects.get(email="baker@example.com")
    assert Membership.objects.get(user=user, firm=firm_a.firm).role == Role.CLIENT_OWNER
    with schema_context(firm_a.firm.schema_name):
        assert ClientAccess.objects.filter(user=user, client=client).exists()
    assert visitor.get(f"/portal/{client.pk}/").status_code == 200
    page = manager.get(f"/people/clients/{client.pk}/access/").content.decode()
    assert "baker@example.com" in page


def test_a_client_accepting_where_the_firm_requires_two_step_sign_in_enrols_first(
        firm_a, smtp, mail_now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        firm = Firm.objects.get(pk=firm_a.firm.pk)
        firm.mfa_required_for_clients = True
        firm.save(update_fields=["mfa_required_for_clients"])
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Maple Bakery LLC")
    with mail_now():
        firm_a.client(Role.MANAGER).post(f"/people/clients/{client.pk}/access/invite/",
                                         {"email": "baker@example.com",
                                          "role": Role.CLIENT_MEMBER})
    visitor = firm_a.client()

    response = visitor.post(invitation_path(smtp.wait_for(1)[0]), {
        "full_name": "Bea Baker", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert response.status_code == 302 and response["Location"] == f"/portal/{client.pk}/"
    portal = visitor.get(f"/portal/{client.pk}/")
    assert portal.status_code == 302
    assert portal["Location"].startswith("/accounts/mfa/setup/")


def test_an_existing_account_is_linked_with_its_own_password(firm_a, firm_b, mail_now, smtp):
    other = firm_b.user(Role.MANAGER)  # has an account, at another firm
    _invite_staff(firm_a, mail_now, email=other.email, role=Role.ADVISOR)
    path = invitation_path(smtp.wait_for(1)[0])
    visitor = firm_a.client()

    wrong = visitor.post(path, {"password": "not-the-password"})
    assert wrong.status_code == 400
    assert "does not match your account" in wrong.content.decode()
    assert not Membership.objects.filter(user=other, firm=firm_a.firm).exists()

    right = visitor.post(path, {"password": PASSWORD})
    assert right.status_code == 302
    assert Membership.objects.get(user=other, firm=firm_a.firm).role == Role.ADVISOR
    assert Membership.objects.get(user=other, firm=firm_b.firm).role == Role.MANAGER


def _pending(firm_a, email="pending@example.com") -> tuple[Invitation, str]:
    connection.set_tenant(firm_a.firm)
    invitation = invitation_create(email=email, role=Role.BOOKKEEPER,
                                   by=firm_a.user(Role.OWNER))
    path = f"/invitations/{invitation_token(invitation)}/"
    connection.set_schema_to_public()
    return invitation, path


def _problem(response, status: int, words: str) -> None:
    body = response.content.decode()
    assert response.status_code == status, body[:400]
    assert "This invitation cannot be used" in body and words in body


def test_an_expired_link_says_so(firm_a):
    invitation, path = _pending(firm_a)
    with schema_context(firm_a.firm.schema_name):
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1))

    _problem(firm_a.client().get(path), 410, "has expired")
    _problem(firm_a.client().post(path, {"full_name": "X", "password": NEW_PASSWORD,
                                         "password_again": NEW_PASSWORD}), 410, "has expired")
    assert not User.objects.filter(email="pending@example.com").exists()


def test_a_used_link_cannot_be_used_again(firm_a):
    _, path = _pending(firm_a)
    form = {"full_name": "Pat", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert firm_a.client().post(path, form).status_code == 302

    _problem(firm_a.client().get(path), 410, "already accepted")
    _problem(firm_a.client().post(path, form), 410, "already accepted")


def test_a_withdrawn_link_says_so(firm_a):
    invitation, path = _pending(firm_a)
    owner = firm_a.client(Role.OWNER)
    assert owner.post(f"/people/invitations/{invitation.pk}/revoke/").status_code == 302

    _problem(firm_a.client().get(path), 410, "was withdrawn")


def test_resending_replaces_the_earlier_link(firm_a, smtp, mail_now):
    invitation, old_path = _pending(firm_a)
    owner = firm_a.client(Role.OWNER)
    with mail_now():
        assert owner.post(f"/people/invitations/{invitation.pk}/resend/").status_code == 302
    new_path = invitation_path(smtp.wait_for(1)[0])

    assert new_path != old_path
    _problem(firm_a.client().get(old_path), 410, "newer invitation")
    assert firm_a.client().get(new_path).status_code == 200


def test_another_firms_link_is_refused_on_this_firms_host(firm_a, firm_b):
    _, path = _pending(firm_a)

    _problem(firm_b.client().get(path), 404, "for another firm")
    _problem(firm_b.client().post(path, {"password": PASSWORD}), 404, "for another firm")


def test_a_tampered_link_is_not_valid(firm_a):
    _, path = _pending(firm_a)

    _problem(firm_a.client().get(path[:-3] + "xx/"), 404, "not valid")
    _problem(firm_a.client().get("/invitations/garbage/"), 404, "not valid")


def test_signed_in_as_someone_else_is_refused_without_accepting(firm_a):
    invitation, path = _pending(firm_a)
    someone = firm_a.client(Role.STAFF_ACCOUNTANT)

    response = someone.post(path, {})

    _problem(response, 403, "signed in as staff-accountant@alpha-cpa.test")
    with schema_context(firm_a.firm.schema_name):
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING


def test_only_people_who_manage_members_invite_staff(firm_a):
    accountant = firm_a.client(Role.STAFF_ACCOUNTANT)

    response = accountant.post("/people/team/invite/", {"email": "x@example.com",
                                                       "role": Role.MANAGER})

    assert response.status_code == 403
    with schema_context(firm_a.firm.schema_name):
        assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner_and_inviting_twice_is_refused(firm_a, mail_now):
    admin = firm_a.client(Role.ADMIN)
    response = admin.post("/people/team/invite/", {"email": "boss@example.com",
                                                  "role": Role.OWNER})
    assert response.status_code == 400
    assert "Only an owner can invite another owner" in response.content.decode()

    _invite_staff(firm_a, mail_now, email="twice@example.com")
    again = firm_a.client(Role.OWNER).post("/people/team/invite/", {
        "email": "twice@example.com", "role": Role.MANAGER})
    assert again.status_code == 400 and "already invited" in again.content.decode()
    existing = firm_a.client(Role.OWNER).post("/people/team/invite/", {
        "email": firm_a.users[Role.BOOKKEEPER].email, "role": Role.MANAGER})
    assert existing.status_code == 400 and "already has an account" in existing.content.decode()


def test_the_invitee_signed_in_with_the_same_account_accepts_with_one_click(firm_a):
    member = firm_a.user(Role.CLIENT_MEMBER)
    connection.set_tenant(firm_a.firm)
    client = make_client(business_name="Second Business")
    invitation = invitation_create(email=member.email, role=Role.CLIENT_MEMBER,
                                   client=client, by=firm_a.user(Role.OWNER))
    path = f"/invitations/{invitation_token(invitation)}/"
    connection.set_schema_to_public()
    browser = sign_in(firm_a.client(), member)

    response = browser.post(path, {})

    assert response.status_code == 302 and response["Location"] == f"/portal/{client.pk}/"
    with schema_context(firm_a.firm.schema_name):
        assert ClientAccess.objects.filter(user=member, client=client).exists()
