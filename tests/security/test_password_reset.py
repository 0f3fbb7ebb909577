"""Password reset: limited per address and per account, and at a firm's address only the
firm's members get mail. Mail goes through a real SMTP server (tests/mail.py)."""

from __future__ import annotations

import threading

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.security.rate_limits import rate_limit_hit

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"


@pytest.fixture
def mail(outbox):
    """Reset requests deliver their mail (after commit, through the worker task) to the
    test's SMTP server."""

    def post(client: Client, email: str, **extra):
        with outbox.deliver():
            return client.post(RESET, {"email": email}, **extra)

    outbox.post = post
    return outbox


def test_one_address_gets_five_reset_mails_then_429(firm_a, mail, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 5
    emails = [firm_a.users[role].email for role in list(Role)[:9]]
    client = firm_a.client()

    statuses = [mail.post(client, email).status_code for email in emails]

    assert statuses == [302] * 5 + [429] * 4
    assert len(mail.messages) == 5
    refused = mail.post(client, emails[0])
    assert "Too many reset requests from your network" in refused.content.decode()
    assert int(refused.headers["Retry-After"]) > 0


def test_one_account_gets_three_mails_whatever_the_address(firm_a, mail, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = 3
    email = firm_a.users[Role.MANAGER].email
    client = firm_a.client()

    responses = [mail.post(client, email.upper() if i % 2 else email,
                           REMOTE_ADDR=f"10.0.0.{i}") for i in range(6)]

    # Every answer is the "link sent" answer: the limit tells nobody the account exists.
    assert {(r.status_code, r.headers["Location"]) for r in responses} == \
        {(302, "/accounts/password-reset/sent/")}
    assert len(mail.to(email)) == 3


def test_at_a_firm_only_its_members_get_a_link(firm_a, firm_b, mail):
    member = firm_a.users[Role.BOOKKEEPER].email
    outsider = firm_b.users[Role.BOOKKEEPER].email
    client = firm_a.client()

    to_member = mail.post(client, member, REMOTE_ADDR="10.1.0.1")
    to_outsider = mail.post(client, outsider, REMOTE_ADDR="10.1.0.2")
    to_nobody = mail.post(client, "nobody@example.test", REMOTE_ADDR="10.1.0.3")

    answers = {(r.status_code, r.headers["Location"]) for r in (to_member, to_outsider,
                                                                 to_nobody)}
    assert answers == {(302, "/accounts/password-reset/sent/")}
    assert [m["To"] for m in mail.messages] == [member]
    assert f"http://{firm_a.host}/accounts/password-reset/" in mail.body(mail.messages[0])


def test_a_former_member_gets_no_link_at_the_firm(firm_a, mail):
    from apps.accounts.models import Membership

    user = firm_a.user(Role.TAX_PREPARER)
    Membership.objects.filter(user=user, firm=firm_a.firm).update(is_active=False)

    response = mail.post(firm_a.client(), user.email)

    assert response.status_code == 302
    assert mail.messages == []


def test_on_the_public_site_any_account_gets_its_link(firm_b, public_client, mail):
    email = firm_b.users[Role.PARTNER].email

    response = mail.post(public_client, email)

    assert response.status_code == 302
    assert len(mail.to(email)) == 1
    link_line = next(line for line in mail.body(mail.messages[0]).splitlines()
                     if "/accounts/password-reset/" in line)
    reset_page = public_client.get(link_line.split("localhost", 1)[1], follow=True)
    assert reset_page.status_code == 200
    assert "new_password1" in reset_page.content.decode()


def test_concurrent_attempts_never_exceed_the_limit():
    allowed = []
    barrier = threading.Barrier(20)

    def attempt():
        barrier.wait()
        result = rate_limit_hit(scope="test", key="same", limit=5, window_seconds=60)
        allowed.append(result.allowed)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(allowed) == [False] * 15 + [True] * 5
