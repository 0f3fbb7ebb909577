"""The portal's card form: each typing mistake is caught on its own field before the
provider is asked, test mode says so and lists the test cards, only test cards are taken
by the fake provider, and nothing is charged or recorded when the form is refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.billing.cards import card_number_clean, cvc_clean, expiry_clean, luhn_ok
from apps.billing.models import Payment
from apps.billing.providers import FakeProvider
from tests.billing.factories import sent_invoice
from tests.billing.test_pages import CARD
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(("number", "ok"), [
    ("4242424242424242", True), ("378282246310005", True), ("4242424242424241", False),
    ("79927398713", True), ("79927398710", False)])
def test_luhn_check_digit(number, ok):
    assert luhn_ok(number) is ok


def test_card_details_are_cleaned_or_refused_with_the_payers_words():
    assert card_number_clean("4242 4242-4242 4242") == "4242424242424242"
    assert expiry_clean("11/26", today=TODAY).year == 2026
    assert expiry_clean(" 3 / 2031 ", today=TODAY).month == 3
    assert cvc_clean("1234", amex=True) == "1234"
    for bad, message in [("4242 4242 4242 4241", "not valid"), ("4242", "12 to 19 digits"),
                         ("abcd efgh ijkl mnop", "12 to 19 digits")]:
        with pytest.raises(ValueError, match=message):
            card_number_clean(bad)
    for bad, message in [("10/26", "expired"), ("13/27", "01 to 12"), ("1227", "MM/YY"),
                         ("01/99", "expiry year")]:
        with pytest.raises(ValueError, match=message):
            expiry_clean(bad, today=TODAY)
    with pytest.raises(ValueError, match="3-digit"):
        cvc_clean("1234", amex=False)


def test_the_fake_provider_takes_only_its_published_test_cards():
    provider = FakeProvider()
    card = {"exp_month": 12, "exp_year": 2039, "cvc": "123", "name": "Zoë"}

    assert provider.card_token(number="4242424242424242", **card) == "tok_visa"
    assert provider.card_token(number="4000000000000002", **card) == "tok_declined"
    with pytest.raises(Exception, match="only the test card numbers"):
        provider.card_token(number="4111111111111111", **card)


def _portal(world):
    client = make_client()
    invoice = sent_invoice(client)
    give_access(world.user(Role.CLIENT_OWNER), client)
    connection.set_schema_to_public()
    return world.client(Role.CLIENT_OWNER), f"/portal/{client.pk}/invoices/{invoice.pk}/"


def test_the_page_shows_a_card_form_in_test_mode_with_the_test_cards(in_firm_a):
    portal, url = _portal(in_firm_a)

    page = portal.get(url).content.decode()

    assert "Test mode: no real money moves." in page and "4242 4242 4242 4242" in page
    assert 'autocomplete="cc-number"' in page and 'autocomplete="cc-exp"' in page
    assert 'autocomplete="cc-csc"' in page and 'autocomplete="cc-name"' in page
    assert "tok_visa" not in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"card_number": "4242 4242 4242 4241"}, "card_number", "not valid: check the digits"),
    ({"expiry": "01/20"}, "expiry", "This card has expired."),
    ({"cvc": "12"}, "cvc", "3-digit security code"),
    ({"cardholder": ""}, "cardholder", "This field is required."),
    ({"card_number": "4111 1111 1111 1111"}, "card_number", "only the test card numbers"),
    ({"card_number": "4000 0000 0000 0002"}, "card_number", "The card was declined."),
])
def test_each_card_mistake_is_shown_on_its_field_and_nothing_is_charged(in_firm_a, changes,
                                                                        field, message):
    portal, url = _portal(in_firm_a)
    charges = FakeProvider.charges_made()

    response = portal.post(url, {"amount": "10.00", "idempotency_key": "card-form-1",
                                 **CARD, **changes})

    assert response.status_code == 400
    errors = response.context["pay_form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    connection.set_tenant(in_firm_a.firm)
    assert not Payment.objects.exists() and FakeProvider.charges_made() == charges
