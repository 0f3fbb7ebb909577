"""Template builders: firms create, copy, edit and preview organizer templates (every kind
of question, conditions, document requests) and proposal templates; bad input gets field
errors, and what was already sent keeps its own copy."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.people.models_organizers import Organizer, OrganizerTemplate
from apps.people.models_proposals import Proposal, ProposalTemplate
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db

QUESTION_FIELDS = ("key", "section", "label", "kind", "choices", "show_if", "equals",
                   "document_label")


def _questions(rows: list[dict], initial: int = 0) -> dict:
    data = {"questions-TOTAL_FORMS": str(len(rows)), "questions-INITIAL_FORMS": str(initial),
            "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "150"}
    for index, row in enumerate(rows):
        for field in QUESTION_FIELDS:
            data[f"questions-{index}-{field}"] = row.get(field, "")
        if row.get("required", True):
            data[f"questions-{index}-required"] = "on"
        if row.get("delete"):
            data[f"questions-{index}-DELETE"] = "on"
        if "position" in row:
            data[f"questions-{index}-ORDER"] = str(row["position"])
    return data


EVERY_KIND = [
    {"section": "Income", "label": "Did you sell stock?", "kind": "yes_no",
     "document_label": "Form 1099-B"},
    {"label": "Describe the sale", "kind": "text", "required": False},
    {"label": "Proceeds ($)", "kind": "number"},
    {"section": "About you", "label": "Date of birth", "kind": "date"},
    {"label": "Filing status", "kind": "choice", "choices": "Single\nMarried\nSingle"},
    {"label": "Upload last year's return", "kind": "file", "required": False},
    {"label": "", "kind": "yes_no"},  # an empty extra row: skipped
]


def _template(firm_a, name: str = "Small business questionnaire") -> OrganizerTemplate:
    with schema_context(firm_a.firm.schema_name):
        return OrganizerTemplate.objects.get(name=name)


def test_staff_build_an_organizer_with_every_kind_then_add_a_condition(firm_a):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get("/people/organizer-templates/new/").status_code == 200

    response = staff.post("/people/organizer-templates/new/", {
        "name": "Small business questionnaire", **_questions(EVERY_KIND)})

    assert response.status_code == 302, response.content.decode()[:2000]
    template = _template(firm_a)
    assert [s["title"] for s in template.definition] == ["Income", "About you"]
    income = template.definition[0]["questions"]
    assert [(q["key"], q["kind"], q["required"]) for q in income] == [
        ("did_you_sell_stock", "yes_no", True), ("describe_the_sale", "text", False),
        ("proceeds", "number", True)]
    assert income[0]["requests_document"] == {"label": "Form 1099-B", "when": "yes"}
    assert template.definition[1]["questions"][1]["choices"] == ["Single", "Married"]
    assert template.definition[1]["questions"][2]["kind"] == "file"

    # The condition names the earlier yes/no question, picked from a list.
    page = staff.get(f"/people/organizer-templates/{template.pk}/").content.decode()
    assert '<option value="did_you_sell_stock">Did you sell stock?</option>' in page
    rows = [{**q, "key": k} for q, k in zip(EVERY_KIND[:6], [
        "did_you_sell_stock", "describe_the_sale", "proceeds", "date_of_birth",
        "filing_status", "upload_last_year_s_return"], strict=True)]
    rows[1].update(show_if="did_you_sell_stock", equals="yes")
    rows[2].update(show_if="filing_status", equals="Married")  # later question: refused
    response = staff.post(f"/people/organizer-templates/{template.pk}/", {
        "name": "Small business questionnaire", **_questions(rows, initial=6)})
    assert response.status_code == 400
    assert "A condition can only name a question above this one." in response.content.decode()

    rows[2].update(show_if="", equals="")
    response = staff.post(f"/people/organizer-templates/{template.pk}/", {
        "name": "Small business questionnaire", **_questions(rows, initial=6)})
    assert response.status_code == 302
    template = _template(firm_a)
    assert template.definition[0]["questions"][1]["show_if"] == {
        "question": "did_you_sell_stock", "equals": "yes"}
    assert "show_if" not in template.definition[0]["questions"][2]

    preview = staff.get(f"/people/organizer-templates/{template.pk}/preview/")
    html = preview.content.decode()
    assert preview.status_code == 200
    assert ('data-key="describe_the_sale" data-show-if="did_you_sell_stock" '
            'data-equals="yes" hidden') in html
    assert "A “yes” asks the client for: Form 1099-B" in html


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "choice", "choices": "Only one"}, "Give at least two options, one per line."),
    ({"kind": "text", "document_label": "Receipts"}, "Only a yes/no question can ask for"),
    ({"label": "x" * 501}, "Ensure this value has at most 500 characters"),
    ({"kind": "bogus"}, "Select a valid choice."),
    ({"show_if": "nothing_like_it"}, "Select a valid choice."),
    ({"label": "Bad \x00 byte"}, "Null characters are not allowed."),
])
def test_bad_questions_get_a_message_on_their_field_and_nothing_is_saved(
        firm_a, change, message):
    staff = firm_a.client(Role.OWNER)
    rows = [{"label": "Did you buy a car?", "kind": "yes_no"},
            {"label": "Which one?", "kind": "text", **change}]

    response = staff.post("/people/organizer-templates/new/", {
        "name": "Cars", **_questions(rows)})

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(firm_a.firm.schema_name):
        assert not OrganizerTemplate.objects.filter(name="Cars").exists()


def test_a_condition_must_use_one_of_the_questions_answers(firm_a):
    staff = firm_a.client(Role.OWNER)
    rows = [{"label": "Did you buy a car?", "kind": "yes_no"}]
    staff.post("/people/organizer-templates/new/", {"name": "Cars", **_questions(rows)})
    template = _template(firm_a, "Cars")
    rows = [{**rows[0], "key": "did_you_buy_a_car"},
            {"label": "Which one?", "kind": "text", "show_if": "did_you_buy_a_car",
             "equals": "maybe"}]

    response = staff.post(f"/people/organizer-templates/{template.pk}/", {
        "name": "", **_questions(rows, initial=1)})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose one of that question&#x27;s answers: yes, no." in html
    assert "This field is required." in html  # the name, in the same answer


def test_a_sent_organizer_keeps_its_questions_when_the_template_changes(firm_a):
    staff = firm_a.client(Role.MANAGER)
    staff.post("/people/organizer-templates/new/", {
        "name": "Car questionnaire",
        **_questions([{"label": "Did you buy a car?", "kind": "yes_no"}])})
    template = _template(firm_a, "Car questionnaire")
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Maple Bakery LLC")
        give_access(firm_a.user(Role.CLIENT_OWNER), client)
    assert staff.post(f"/people/clients/{client.pk}/organizers/new/",
                      {"template": template.pk}).status_code == 302

    staff.post(f"/people/organizer-templates/{template.pk}/", {
        "name": "Car questionnaire 2027", **_questions([
            {"key": "did_you_buy_a_car", "label": "Did you buy a car?", "kind": "yes_no",
             "delete": True},
            {"label": "Did you lease a car?", "kind": "yes_no"}], initial=1)})

    with schema_context(firm_a.firm.schema_name):
        organizer = Organizer.objects.get(client=client)
        template.refresh_from_db()
        assert organizer.title == "Car questionnaire"
        assert [q["key"] for q in organizer.definition[0]["questions"]] == [
            "did_you_buy_a_car"]
        assert [q["key"] for q in template.definition[0]["questions"]] == [
            "did_you_lease_a_car"]
    portal = firm_a.client(Role.CLIENT_OWNER).get(
        f"/portal/{client.pk}/organizers/{organizer.pk}/").content.decode()
    assert "Did you buy a car?" in portal and "lease" not in portal


def test_positions_move_questions_and_conditions_follow_the_new_order(firm_a):
    staff = firm_a.client(Role.OWNER)
    rows = [{"label": "Did you buy a car?", "kind": "yes_no", "position": 2},
            {"label": "Did you sell a car?", "kind": "yes_no", "position": 1}]
    staff.post("/people/organizer-templates/new/", {"name": "Cars", **_questions(rows)})
    template = _template(firm_a, "Cars")
    assert [q["key"] for q in template.definition[0]["questions"]] == [
        "did_you_sell_a_car", "did_you_buy_a_car"]

    # Moving the condition's question below it makes the condition name a later one.
    rows = [{"key": "did_you_sell_a_car", "label": "Did you sell a car?", "kind": "yes_no",
             "position": 2},
            {"key": "did_you_buy_a_car", "label": "Did you buy a car?", "kind": "yes_no",
             "show_if": "did_you_sell_a_car", "equals": "yes", "position": 1}]
    response = staff.post(f"/people/organizer-templates/{template.pk}/", {
        "name": "Cars", **_questions(rows, initial=2)})
    assert response.status_code == 400
    assert "A condition can only name a question above this one." in response.content.decode()


def test_copying_an_organizer_template_makes_an_independent_one(firm_a):
    staff = firm_a.client(Role.PARTNER)
    original = _template(firm_a, "Personal tax organizer")

    response = staff.post(f"/people/organizer-templates/{original.pk}/copy/")

    copy = _template(firm_a, "Copy of Personal tax organizer")
    assert response["Location"] == f"/people/organizer-templates/{copy.pk}/"
    assert copy.definition == original.definition and copy.pk != original.pk
    listing = staff.get("/people/organizer-templates/").content.decode()
    assert "Copy of Personal tax organizer" in listing


def _lines(rows: list[dict]) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "20"}
    for index, row in enumerate(rows):
        for field in ("service", "description", "fee_type", "amount", "frequency",
                      "engagement_type"):
            data[f"lines-{index}-{field}"] = row.get(field, "")
    return data


SERVICES = [
    {"service": "Catch-up bookkeeping", "fee_type": "fixed", "amount": "1500.00",
     "engagement_type": "bookkeeping"},
    {"service": "Monthly bookkeeping", "fee_type": "recurring", "amount": "450",
     "frequency": "monthly", "engagement_type": "bookkeeping"},
    {"service": "Advisory calls", "fee_type": "hourly", "amount": "0",
     "engagement_type": "cfo_advisory"},
]


def test_staff_build_a_proposal_template_and_proposals_start_from_it(firm_a):
    staff = firm_a.client(Role.MANAGER)
    assert staff.get("/people/proposal-templates/new/").status_code == 200

    response = staff.post("/people/proposal-templates/new/", {
        "name": "Bookkeeping package", "introduction": "Thank you.",
        "terms": "Fees are due on receipt.", **_lines(SERVICES)})

    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(firm_a.firm.schema_name):
        template = ProposalTemplate.objects.get(name="Bookkeeping package")
        client = make_client(business_name="Maple Bakery LLC")
    assert [(line["fee_type"], line["amount"], line["frequency"]) for line in template.lines] == [
        ("fixed", "1500.00", ""), ("recurring", "450.00", "monthly"), ("hourly", "0.00", "")]
    page = staff.get(f"/people/clients/{client.pk}/proposals/new/?template={template.pk}")
    assert 'value="Monthly bookkeeping"' in page.content.decode()

    # Edited later: proposals made before keep their own lines and terms.
    with schema_context(firm_a.firm.schema_name):
        proposal = Proposal.objects.create(client=client, title="Letter", terms=template.terms,
                                           expires_on="2099-01-01")
    response = staff.post(f"/people/proposal-templates/{template.pk}/", {
        "name": "Bookkeeping package", "terms": "New terms.", **_lines(SERVICES[:1])})
    assert response.status_code == 302
    with schema_context(firm_a.firm.schema_name):
        template.refresh_from_db()
        proposal.refresh_from_db()
    assert len(template.lines) == 1 and template.terms == "New terms."
    assert proposal.terms == "Fees are due on receipt."


@pytest.mark.parametrize(("change", "message"), [
    ({"frequency": ""}, "Line 2: a recurring fee needs a frequency."),
    ({"amount": "-5"}, "Ensure this value is greater than or equal to 0."),
    ({"fee_type": "weekly"}, "Select a valid choice."),
])
def test_a_bad_proposal_template_gets_clear_errors(firm_a, change, message):
    staff = firm_a.client(Role.OWNER)
    lines = [SERVICES[0], {**SERVICES[1], **change}]

    response = staff.post("/people/proposal-templates/new/", {
        "name": "Broken", "terms": "Terms", **_lines(lines)})

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(firm_a.firm.schema_name):
        assert not ProposalTemplate.objects.filter(name="Broken").exists()


def test_copying_a_proposal_template(firm_a):
    staff = firm_a.client(Role.ADMIN)
    with schema_context(firm_a.firm.schema_name):
        original = ProposalTemplate.objects.first()

    response = staff.post(f"/people/proposal-templates/{original.pk}/copy/")

    assert response.status_code == 302
    with schema_context(firm_a.firm.schema_name):
        copy = ProposalTemplate.objects.get(name=f"Copy of {original.name}")
    assert (copy.lines, copy.terms) == (original.lines, original.terms)


@pytest.mark.parametrize("role", [Role.STAFF_ACCOUNTANT, Role.AUDITOR, Role.CLIENT_OWNER])
def test_only_template_editors_reach_the_builders(firm_a, role):
    browser = firm_a.client(role)
    template = _template(firm_a, "Personal tax organizer")
    for path in ("/people/organizer-templates/", "/people/organizer-templates/new/",
                 f"/people/organizer-templates/{template.pk}/preview/",
                 "/people/proposal-templates/", "/people/proposal-templates/new/"):
        assert browser.get(path).status_code in (403, 404), path
    assert browser.post(f"/people/organizer-templates/{template.pk}/copy/").status_code in (
        403, 404)
