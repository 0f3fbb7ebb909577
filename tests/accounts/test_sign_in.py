import re

import pytest

from apps.accounts.roles import Role
from tests.conftest import PASSWORD
from tests.security.helpers import complete_mfa

pytestmark = pytest.mark.django_db


def _sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/accounts/sign-in/", {"username": email, "password": password})


def test_member_signs_in_at_own_firm(firm_a):
    client = firm_a.client()

    response = _sign_in(client, firm_a.user(Role.MANAGER).email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    # Staff must pass two-step sign-in before anything else.
    assert client.get("/").headers["Location"].startswith("/accounts/mfa/")
    complete_mfa(client, firm_a.user(Role.MANAGER))
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"] == firm_a.user(Role.MANAGER)
    assert home.context["firm_role"] == Role.MANAGER


def test_member_of_another_firm_cannot_sign_in_here(firm_a, firm_b):
    client = firm_a.client()

    response = _sign_in(client, firm_b.user(Role.OWNER).email)

    assert response.status_code == 200
    assert "has no access to this firm" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_membership_cannot_sign_in(firm_a, django_capture_on_commit_callbacks):
    from apps.accounts.models import Membership
    from apps.accounts.services import membership_deactivate

    membership = Membership.objects.get(user=firm_a.user(Role.BOOKKEEPER), firm=firm_a.firm)
    with django_capture_on_commit_callbacks(execute=True):
        membership_deactivate(membership=membership)
    client = firm_a.client()

    response = _sign_in(client, firm_a.user(Role.BOOKKEEPER).email)

    assert "has no access to this firm" in response.content.decode()


def test_wrong_password_is_a_form_error(firm_a):
    client = firm_a.client()

    response = _sign_in(client, firm_a.user(Role.OWNER).email, "wrong-password-123")

    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_malformed_email_is_a_form_error_not_500(firm_a):
    response = _sign_in(firm_a.client(), "not-an-email\x00", "x")

    assert response.status_code == 200
    assert response.context["form"].errors


def test_anyone_with_an_account_signs_in_on_the_public_site(public_client, firm_b):
    response = _sign_in(public_client, firm_b.user(Role.ADVISOR).email)

    assert response.status_code == 302
    home = public_client.get("/")  # no MFA demanded on the public site for firm advisors
    assert firm_b.firm.name in home.content.decode()


def test_sign_out_ends_the_session(firm_a):
    client = firm_a.client(Role.OWNER)

    response = client.post("/accounts/sign-out/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302  # back to sign-in


def test_password_reset_round_trip(firm_a, outbox):
    client = firm_a.client()
    email = firm_a.user(Role.TAX_PREPARER).email

    with outbox.deliver():
        response = client.post("/accounts/password-reset/", {"email": email})

    assert response.status_code == 302
    (message,) = outbox.messages
    link = re.search(r"https?://[^/]+(/accounts/password-reset/[^\s]+)", outbox.body(message))
    assert firm_a.host in outbox.body(message)
    confirm = client.get(link.group(1), follow=True)
    assert confirm.context["validlink"] is True
    new_password = "a-brand-new-passphrase-77"
    done = client.post(confirm.redirect_chain[-1][0],
                       {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert _sign_in(firm_a.client(), email, new_password).status_code == 302


def test_password_reset_rejects_a_weak_password(firm_a, outbox):
    client = firm_a.client()
    with outbox.deliver():
        client.post("/accounts/password-reset/", {"email": firm_a.user(Role.AUDITOR).email})
    link = re.search(r"(/accounts/password-reset/[^\s]+)",
                     outbox.body(outbox.messages[0])).group(1)
    confirm = client.get(link, follow=True)

    response = client.post(confirm.redirect_chain[-1][0],
                           {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200
    assert "too short" in response.content.decode()
