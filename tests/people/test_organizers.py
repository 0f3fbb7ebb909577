"""Organizers: conditional questions, save and continue, document requests from answers,
submission and what staff see."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.documents.models import DocumentRequest
from apps.people.models_organizers import Organizer, OrganizerTemplate
from apps.people.organizers import completion, organizer_save, visible_keys
from apps.people.tax_organizer import TAX_ORGANIZER
from tests.documents.samples import INVOICE_LINES, pdf_bytes, upload
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def bakery(firm_a, documents_storage):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Maple Bakery LLC")
        give_access(firm_a.user(Role.CLIENT_OWNER), client)
    return client


def _send(firm_a, bakery) -> Organizer:
    staff = firm_a.client(Role.STAFF_ACCOUNTANT)
    with schema_context(firm_a.firm.schema_name):
        template = OrganizerTemplate.objects.get(name="Personal tax organizer")
    response = staff.post(f"/people/clients/{bakery.pk}/organizers/new/",
                          {"template": template.pk})
    assert response.status_code == 302
    with schema_context(firm_a.firm.schema_name):
        return Organizer.objects.get(client=bakery)


def test_conditions_show_questions_only_for_the_answer_they_depend_on():
    base = {"sold_stock": "no", "dependents": "no"}

    assert "crypto" not in visible_keys(TAX_ORGANIZER, base)
    assert "brokerage_1099b" not in visible_keys(TAX_ORGANIZER, base)
    shown = visible_keys(TAX_ORGANIZER, {**base, "sold_stock": "yes"})
    assert {"crypto", "brokerage_1099b"} <= shown
    assert "dependents_count" in visible_keys(TAX_ORGANIZER, {"dependents": "yes"})
    assert "dependents_count" not in visible_keys(TAX_ORGANIZER, {})


def test_save_and_continue_keeps_answers_and_yes_creates_a_document_request_once(
        firm_a, bakery):
    organizer = _send(firm_a, bakery)
    portal = firm_a.client(Role.CLIENT_OWNER)
    url = f"/portal/{bakery.pk}/organizers/{organizer.pk}/"
    page = portal.get(url).content.decode()
    assert 'data-key="crypto" data-show-if="sold_stock" data-equals="yes" hidden' in page

    first = portal.post(url, {"q-filing_status": "Single", "q-sold_stock": "yes",
                              "q-mortgage": "yes", "save": "1"})
    assert first.status_code == 302
    # Later, on another device: the answers are there, the follow-up questions are asked.
    page = firm_a.client(Role.CLIENT_OWNER).get(url).content.decode()
    assert 'value="yes" checked' in page and "<option selected>Single</option>" in page
    assert 'data-key="crypto" data-show-if="sold_stock" data-equals="yes">' in page
    portal.post(url, {"q-mortgage": "yes", "q-charity_total": "1,250.50", "save": "1"})

    with schema_context(firm_a.firm.schema_name):
        [request] = DocumentRequest.objects.filter(client=bakery)
        assert request.title == "Personal tax organizer: Form 1098 (mortgage interest)"
        assert request.items.get().label == "Form 1098 (mortgage interest)"
        organizer.refresh_from_db()
        assert organizer.status == Organizer.Status.IN_PROGRESS
        assert organizer.answers.get(question_key="charity_total").value == "1250.50"


def test_changing_an_answer_drops_the_answers_it_no_longer_asks_for(firm_a, bakery):
    organizer = _send(firm_a, bakery)
    connection.set_tenant(firm_a.firm)
    user = firm_a.user(Role.CLIENT_OWNER)
    organizer_save(organizer=organizer, user=user,
                   values={"sold_stock": "yes", "crypto": "yes"})
    organizer_save(organizer=organizer, user=user, values={"sold_stock": "no"})

    assert organizer.answers.get(question_key="crypto").value == ""
    with pytest.raises(ValidationError) as bad:
        organizer_save(organizer=organizer, user=user,
                       values={"dependents": "maybe", "moved_on": "yesterday"})
    assert bad.value.message_dict == {"dependents": ["Answer yes or no."],
                                      "moved_on": ["Enter a date as YYYY-MM-DD."]}
    assert organizer.answers.get(question_key="sold_stock").value == "no"  # nothing lost


def test_a_file_answer_becomes_a_document_and_submission_needs_every_answer(
        firm_a, bakery):
    organizer = _send(firm_a, bakery)
    portal = firm_a.client(Role.CLIENT_OWNER)
    url = f"/portal/{bakery.pk}/organizers/{organizer.pk}/"

    early = portal.post(url, {"q-sold_stock": "yes", "submit": "1"}, follow=True)
    assert "Answer every question first" in early.content.decode()
    answers = {"q-filing_status": "Married filing jointly", "q-dependents": "yes",
               "q-dependents_count": "2", "q-moved": "no", "q-w2": "no",
               "q-sold_stock": "yes", "q-crypto": "no", "q-rental": "no", "q-mortgage": "no",
               "q-estimated_payments": "no",
               "q-brokerage_1099b": upload("1099b.pdf", pdf_bytes(INVOICE_LINES))}
    done = portal.post(url, {**answers, "submit": "1"})

    assert done.status_code == 302
    with schema_context(firm_a.firm.schema_name):
        organizer.refresh_from_db()
        assert organizer.status == Organizer.Status.SUBMITTED
        answer = organizer.answers.get(question_key="brokerage_1099b")
        assert answer.document.client_id == bakery.pk
        assert completion(organizer) == (10, 10)
    staff_page = firm_a.client(Role.STAFF_ACCOUNTANT).get(
        f"/people/organizers/{organizer.pk}/").content.decode()
    assert "Married filing jointly" in staff_page and "10 of 10 answered" in staff_page
    assert portal.post(url, {"q-notes": "late"}, follow=True).status_code == 200
    with schema_context(firm_a.firm.schema_name):
        assert not organizer.answers.filter(question_key="notes").exists()


def test_a_client_user_cannot_open_another_clients_organizer(firm_a, bakery):
    with schema_context(firm_a.firm.schema_name):
        other = make_client(business_name="Other Co")
    organizer = _send(firm_a, other)
    portal = firm_a.client(Role.CLIENT_OWNER)

    assert portal.get(f"/portal/{bakery.pk}/organizers/{organizer.pk}/").status_code == 404
    assert portal.post(f"/portal/{bakery.pk}/organizers/{organizer.pk}/",
                       {"q-w2": "yes"}).status_code == 404
    assert portal.get(f"/portal/{other.pk}/organizers/").status_code == 404
