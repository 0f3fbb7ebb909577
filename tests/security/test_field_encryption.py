"""Encrypted fields on real models: advisors' payout accounts."""

import pytest
from django.db import connection
from django.test import Client

from apps.audit.models import AuditAction, AuditEvent
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.payouts import aba_routing_valid
from tests.conftest import PASSWORD, sign_in
from tests.marketplace.factories import make_advisor

pytestmark = pytest.mark.django_db
ROUTING = "011000015"  # a valid ABA checksum


def _raw(profile_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT payout_account, payout_routing FROM marketplace_advisorprofile "
                       "WHERE id = %s", [profile_id])
        return cursor.fetchone()


@pytest.fixture
def advisor_client():
    advisor = make_advisor(embed=False)
    advisor.user.set_password(PASSWORD)
    advisor.user.save()
    client = sign_in(Client(HTTP_HOST="localhost"), advisor.user, mfa=False)
    client.post("/accounts/reauth/", {"password": PASSWORD})
    return advisor, client


def test_payout_account_is_encrypted_at_rest_and_shown_masked(advisor_client):
    advisor, client = advisor_client

    response = client.post("/marketplace/profile/payout/",
                           {"routing_number": ROUTING, "account_number": "000123456789"})

    assert response.status_code == 302
    account, routing = _raw(advisor.pk)
    assert account.startswith("v1:") and "123456789" not in account
    assert routing.startswith("v1:") and ROUTING not in routing
    profile = AdvisorProfile.objects.get(pk=advisor.pk)
    assert profile.payout_account.reveal() == "000123456789"
    page = client.get("/marketplace/profile/payout/").content.decode()
    assert "****6789" in page and "000123456789" not in page
    event = AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).first()
    assert event.details["after"] == {"account": "****6789", "routing": "****0015"}
    assert "000123456789" not in str(event.details)


def test_a_tampered_payout_account_raises_instead_of_returning_garbage(advisor_client):
    from apps.security.crypto import DecryptionError

    advisor, client = advisor_client
    client.post("/marketplace/profile/payout/",
                {"routing_number": ROUTING, "account_number": "000123456789"})
    account, _ = _raw(advisor.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE marketplace_advisorprofile SET payout_account = %s WHERE id = %s",
                       [account[:-6] + ("A" if account[-6] != "A" else "B") + account[-5:],
                        advisor.pk])

    with pytest.raises(DecryptionError):
        AdvisorProfile.objects.get(pk=advisor.pk)


@pytest.mark.parametrize(("routing", "account", "field"), [
    ("011000016", "000123456789", "routing_number"),
    ("12345", "000123456789", "routing_number"),
    (ROUTING, "12", "account_number"),
    (ROUTING, "1234\x0056", "account_number"),
    (ROUTING, "x" * 10_000, "account_number"),
])
def test_bad_payout_accounts_are_inline_errors(advisor_client, routing, account, field):
    advisor, client = advisor_client

    response = client.post("/marketplace/profile/payout/",
                           {"routing_number": routing, "account_number": account})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _raw(advisor.pk) == ("", "")


def test_changing_the_payout_account_needs_the_password_again():
    advisor = make_advisor(embed=False)
    client = sign_in(Client(HTTP_HOST="localhost"), advisor.user, mfa=False)

    response = client.get("/marketplace/profile/payout/")

    assert response.headers["Location"].startswith("/accounts/reauth/")


def test_routing_checksum():
    assert aba_routing_valid("011000015")
    assert not aba_routing_valid("011000016")
    assert not aba_routing_valid("01100001a")
