"""Pages show human labels, never internal codes (advisoros/labels.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from advisoros.labels import code_words, label
from apps.accounts.roles import Role
from apps.security.api_keys import api_key_create
from tests.marketplace.factories import make_advisor
from tests.portal.factories import make_client, make_document, make_engagement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("code", "words"), [
    ("cfo_advisory", "CFO advisory"), ("employer_ein", "Employer EIN"), ("w2", "W-2"),
    ("needs_review", "Needs review"), ("1099_nec", "1099-NEC"), ("payer_tin", "Payer TIN"),
    ("partially_paid", "Partially paid"), ("", ""),
])
def test_codes_without_a_map_are_spelled_out(code, words):
    assert code_words(code) == words


@pytest.mark.parametrize(("kind", "code", "text"), [
    ("engagement_type", "cfo_advisory", "CFO advisory"),
    ("doc_type", "w2", "W-2"),
    ("document_field", "employer_ein", "Employer EIN"),
    ("scope", "clients.view", "See clients"),
    ("advisor_service", "fractional_cfo", "Fractional CFO"),
    ("advisor_industry", "saas", "SaaS and software"),
    ("invoice_status", "partially_paid", "Partially paid"),
    ("task_priority", 4, "Urgent"),
    ("role", "auditor", "Auditor (read-only)"),
    ("payout_status", "pending", "Pending"),
    ("webhook_event", "invoice.paid", "Invoice paid"),
    ("webhook_delivery_status", "failed", "Gave up"),
    ("billing_frequency", "quarterly", "Quarterly"),
    ("file_type", "application/pdf", "PDF"),
])
def test_every_kind_of_code_has_its_label(kind, code, text):
    assert label(kind, code) == text


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(KeyError):
        label("no_such_kind", "x")


def test_staff_and_document_pages_show_labels(firm_a):
    connection.set_tenant(firm_a.firm)
    client = make_client(business_name="Pixelcraft Studio")
    make_engagement(client, type="cfo_advisory")
    document = make_document(client, doc_type="w2", status="needs_review",
                             fields={"employer_ein": {"value": "84-1234567",
                                                      "confidence": 0.9}})
    connection.set_schema_to_public()
    http = firm_a.client(Role.MANAGER)

    detail = http.get(f"/staff/clients/{client.pk}/").content.decode()
    doc_page = http.get(f"/documents/{document.pk}/").content.decode()

    assert "CFO advisory" in detail and "Cfo advisory" not in detail
    assert "Employer EIN" in doc_page and "Employer ein" not in doc_page
    assert "W-2" in doc_page


def test_api_key_scopes_are_listed_by_what_they_allow(firm_a):
    owner = firm_a.user(Role.OWNER)
    api_key_create(firm=firm_a.firm, created_by=owner, name="Books sync",
                   scopes=["clients.view"], expires_in_days=30)

    page = firm_a.client(Role.OWNER).get("/security/api-keys/").content.decode()

    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "See clients" in table and "clients.view" not in table


def test_marketplace_cards_and_matches_speak_in_words(public_client):
    make_advisor(name="Dana Whitfield", services=["fractional_cfo", "cash_flow"],
                 industries=["saas"], headline="Cash-flow forecasting for SaaS companies")
    make_advisor(name="New Advisor", total_reviews=0, rating_sum=0, overall_rating=0)

    search = public_client.get("/marketplace/").content.decode()
    match = public_client.get("/marketplace/match/", {
        "needs": "cash flow forecasting for our SaaS company",
        "required_services": ["fractional_cfo"]}).content.decode()

    assert "Fractional CFO" in search and "fractional_cfo</li>" not in search
    assert "No reviews yet" in search and "(0 reviews)" not in search
    assert "% match" in match and "Match 0." not in match
    assert "similarity" not in match
    assert "Offers Fractional CFO" in match
    assert "Rated 4.50 out of 5 by 10 clients" in match
