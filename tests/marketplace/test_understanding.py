"""Reading the needs text: inferred industries, services, size and budget; their use as
soft preferences in the score; and the match page showing them, editable."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from apps.marketplace.matching import advisor_match_uncached
from apps.marketplace.params import match_criteria_parse, needs_fingerprint
from apps.marketplace.understanding import needs_understand
from tests.marketplace.factories import make_advisor

PAGE = "/marketplace/match/"


@pytest.mark.parametrize(("text", "industries", "services"), [
    ("we sell subscription software to dentists and need someone part-time to get our "
     "books investor-ready before we raise money", {"saas"}, {"fundraising"}),
    ("our trucking company is losing money on fuel and empty trips", {"logistics"}, set()),
    ("the founding partners of our law firm want to retire and hand the firm over",
     {"professional_services"}, {"exit_planning"}),
    ("our charity's auditors are coming and we need grant tracking",
     {"nonprofit"}, {"audit_readiness"}),
    # Everyday descriptions of the business, with no category word in them.
    ("we run four daycares and the account is nearly empty every summer",
     {"education"}, {"cash_flow"}),
    ("a bigger competitor wants to buy our moving company and sent a letter of intent",
     {"logistics"}, {"mna"}),
    ("we mill lumber and sell it to builders; how should we quote jobs for small orders",
     {"manufacturing"}, {"pricing"}),
    ("two food trucks and a burger place, looking for a numbers partner a few days a month",
     {"hospitality"}, {"fractional_cfo"}),
    ("the county contracts for our snow plowing crews pay net 90 and payroll is weekly",
     {"government"}, {"cash_flow"}),
])
def test_needs_imply_industries_and_services(text, industries, services):
    understood = needs_understand(text)

    assert industries <= set(understood.industries)
    assert services <= set(understood.services)


def test_size_and_budget_are_read_and_a_stated_budget_is_not_budgeting_help():
    understood = needs_understand("We're a 12 person bakery chain; our budget is $3k a month "
                                  "and food costs keep rising")

    assert understood.company_size == "small"
    assert understood.budget == Decimal("3000")
    assert "budgeting" not in understood.services
    assert understood.summary()[0] == "Hospitality and restaurants"
    assert "about $3,000 a month" in understood.summary()
    assert needs_understand("") == needs_understand("   ")
    assert needs_understand("").summary() == []


def test_inferred_preferences_fill_criteria_unless_the_client_set_them():
    inferred = match_criteria_parse({"needs": "raise money for our software startup"})
    assert inferred.preferences_inferred and "saas" in inferred.prefer_industries

    kept = match_criteria_parse({"needs": "raise money for our software startup",
                                 "prefer_industries": ["fintech"],
                                 "understood_for": needs_fingerprint(
                                     "raise money for our software startup")})
    assert kept.prefer_industries == ("fintech",) and not kept.preferences_inferred
    assert kept.prefer_services == ()  # cleared by the client stays cleared

    # The page's first search: empty preference fields, nothing understood yet.
    first = match_criteria_parse(QueryDict("needs=we+run+five+restaurants&prefer_size="
                                           "&prefer_budget=&understood_for="))
    assert first.preferences_inferred and first.prefer_industries == ("hospitality",)

    reread = match_criteria_parse({"needs": "we run five restaurants",
                                   "prefer_industries": ["fintech"],
                                   "understood_for": needs_fingerprint("older text")})
    assert reread.prefer_industries == ("hospitality",)


@pytest.mark.django_db
def test_a_saas_fundraising_need_ranks_that_advisor_above_an_unrelated_one():
    unrelated = make_advisor(
        name="Rita Roofing", professional_title="Outsourced Controller",
        headline="Job costing and WIP schedules for contractors",
        bio="Monthly close, retainage and bonding statements for builders.",
        industries=["construction"], services=["controller"],
        overall_rating=Decimal("5.00"))
    fits = make_advisor(
        name="Sam Seed", professional_title="Fractional CFO",
        headline="Getting B2B software founders ready for venture rounds",
        bio="Seed and Series A: equity story, operating plan, diligence folder.",
        industries=["saas"], services=["fundraising"], overall_rating=Decimal("3.50"))
    criteria = match_criteria_parse({
        "needs": "we sell subscription software to dentists and need someone part-time to "
                 "get our books investor-ready before we raise money"})

    ranked = [row["id"] for row in advisor_match_uncached(criteria)]

    assert ranked.index(fits.id) < ranked.index(unrelated.id)
    # Soft, not a filter: the unrelated advisor is still listed.
    assert unrelated.id in ranked


@pytest.mark.django_db
def test_match_page_says_what_it_understood_and_prefills_the_preferences(public_client):
    make_advisor(name="Sam Seed", headline="Venture rounds for software founders",
                 industries=["saas"], services=["fundraising"])
    needs = "our software company wants to raise money from investors, $4,000 a month"

    body = public_client.get(PAGE, {"needs": needs}).content.decode()

    assert "We understood:" in body
    assert "SaaS and software" in body and "Fundraising" in body
    assert "about $4,000 a month" in body
    assert '<option value="saas" selected>' in body
    assert '<option value="fundraising" selected>' in body
    assert f'name="understood_for" value="{needs_fingerprint(needs)}"' in body
    assert 'name="prefer_budget" type="number" min="0" step="100" value="4000"' in body
    assert "Sam Seed" in body

    edited = public_client.get(PAGE, {"needs": needs, "prefer_industries": "fintech",
                                      "understood_for": needs_fingerprint(needs)})
    text = edited.content.decode()
    assert edited.status_code == 200
    assert '<option value="fintech" selected>' in text
    assert '<option value="saas" selected>' not in text

    bad = public_client.get(PAGE, {"needs": needs, "prefer_industries": "mining"})
    assert bad.status_code == 400 and "Unknown value" in bad.content.decode()


@pytest.mark.django_db
def test_match_api_returns_what_it_understood_and_takes_preferences(public_client):
    make_advisor(headline="Venture rounds for software founders", industries=["saas"],
                 services=["fundraising"])
    url = "/api/v1/marketplace/match/"

    body = public_client.post(url, {"needs": "our app business wants investors"},
                              content_type="application/json").json()
    assert body["understood"]["inferred"] is True
    assert "saas" in body["understood"]["prefer_industries"]
    assert "Fundraising" in body["understood"]["summary"]

    given = public_client.post(url, {"needs": "our app business wants investors",
                                     "prefer_industries": ["fintech"]},
                               content_type="application/json").json()
    assert given["understood"] == {"prefer_industries": ["fintech"], "prefer_services": [],
                                   "prefer_size": None, "prefer_budget": None,
                                   "inferred": False, "summary": ["Fintech"]}
