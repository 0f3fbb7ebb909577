"""Proposals: built from a template, sent, signed in the portal with a certificate,
verified, and what signing starts; expiry, withdrawal, immutability."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.billing.models import RecurringPlan
from apps.documents.models import Document
from apps.documents.storage import document_read
from apps.people.esign import verify_signed_pdf
from apps.people.models import Notification
from apps.people.models_proposals import Proposal, ProposalTemplate
from apps.people.proposals import proposal_send, proposal_withdraw
from apps.portal.models import Engagement
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def bakery(firm_a, documents_storage):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Maple Bakery LLC")
        give_access(firm_a.user(Role.CLIENT_OWNER), client)
    return client


def _lines_post(template: ProposalTemplate) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(template.lines)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "20"}
    for i, row in enumerate(template.lines):
        for key in ("service", "description", "fee_type", "amount", "frequency",
                    "engagement_type"):
            data[f"lines-{i}-{key}"] = row[key]
    return data


def _sent_proposal(firm_a, bakery) -> Proposal:
    manager = firm_a.client(Role.MANAGER)
    with schema_context(firm_a.firm.schema_name):
        template = ProposalTemplate.objects.get()
    assert manager.get(f"/people/clients/{bakery.pk}/proposals/new/").status_code == 200
    response = manager.post(f"/people/clients/{bakery.pk}/proposals/new/", {
        "title": "2026 engagement", "introduction": "Hello", "terms": template.terms,
        "expires_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        **_lines_post(template)})
    assert response.status_code == 302, response.content.decode()[-1500:]
    with schema_context(firm_a.firm.schema_name):
        proposal = Proposal.objects.get(client=bakery)
    assert manager.post(f"/people/proposals/{proposal.pk}/send/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    return proposal


def _sign(firm_a, bakery, proposal, **extra):
    portal = firm_a.client(Role.CLIENT_OWNER)
    data = {"signer_name": "Bea Baker", "signature_kind": "typed", "consent": "on", **extra}
    return portal.post(f"/portal/{bakery.pk}/proposals/{proposal.pk}/", data,
                       HTTP_USER_AGENT="Mozilla/5.0 (Test) Signer", REMOTE_ADDR="203.0.113.9")


def test_signing_makes_a_certified_pdf_document_engagements_and_plans(firm_a, bakery, tmp_path):
    proposal = _sent_proposal(firm_a, bakery)
    page = firm_a.client(Role.CLIENT_OWNER).get(f"/portal/{bakery.pk}/proposals/{proposal.pk}/")
    assert page.status_code == 200 and "Consent to sign electronically" in page.content.decode()

    response = _sign(firm_a, bakery, proposal)

    assert response.status_code == 302, response.content.decode()[-800:]
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SIGNED
    assert (proposal.signer_name, proposal.signer_ip) == ("Bea Baker", "203.0.113.9")
    assert proposal.signer_user_agent == "Mozilla/5.0 (Test) Signer"
    with schema_context(firm_a.firm.schema_name):
        document = Document.objects.get(pk=proposal.signed_document_id)
        assert document.client_id == bakery.pk
        assert document.category == Document.Category.CONTRACT
        pdf = document_read(document.file.name)
        engagements = Engagement.objects.filter(client=bakery)
        assert sorted(engagements.values_list("type", flat=True)) == [
            "bookkeeping", "cfo_advisory", "tax_return"]
        assert engagements.get(type="tax_return").fee == Decimal("850.00")
        [plan] = RecurringPlan.objects.filter(client=bakery)
        assert (plan.frequency, plan.unit_price) == ("monthly", Decimal("450.00"))
        assert plan.engagement.type == "bookkeeping"
        assert Notification.objects.filter(kind=Notification.Kind.PROPOSAL_SIGNED,
                                           user_id=firm_a.users[Role.MANAGER].pk).exists()
        event = AuditEvent.objects.get(action="people.proposal_signed")
        assert event.details["pdf_sha256"] == proposal.pdf_sha256
        assert verify_signed_pdf(proposal=proposal, pdf=pdf, firm_name="Alpha CPA").valid
    assert pdf.startswith(b"%PDF")

    # The command says VALID for the stored copy, and catches a one-byte change.
    call_command("verify_signed_pdf", firm="alpha-cpa", proposal=proposal.pk)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    copy = tmp_path / "changed.pdf"
    copy.write_bytes(bytes(changed))
    with pytest.raises(CommandError, match="CHANGED: The PDF differs"):
        call_command("verify_signed_pdf", firm="alpha-cpa", proposal=proposal.pk,
                     file=str(copy))


def test_a_drawn_signature_is_drawn_on_the_certificate(firm_a, bakery):
    proposal = _sent_proposal(firm_a, bakery)
    out = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(out, format="PNG")
    drawing = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()

    assert _sign(firm_a, bakery, proposal, signature_kind="drawn",
                 drawing=drawing).status_code == 302
    proposal.refresh_from_db()
    assert proposal.signature_kind == "drawn"

    bad = _sent_proposal_again(firm_a, bakery)
    response = _sign(firm_a, bakery, bad, signature_kind="drawn", drawing="data:text/html,hi")
    assert response.status_code == 400 and "not an image" in response.content.decode()


def _sent_proposal_again(firm_a, bakery) -> Proposal:
    connection.set_tenant(firm_a.firm)
    first = Proposal.objects.filter(client=bakery).order_by("pk").first()
    again = Proposal.objects.create(client=bakery, title="Second", terms="Terms",
                                    expires_on=timezone.localdate() + timedelta(days=10),
                                    created_by_id=first.created_by_id)
    for line in first.lines.all():
        line.pk, line.proposal = None, again
        line.save()
    proposal_send(proposal=again, by=firm_a.user(Role.MANAGER))
    connection.set_schema_to_public()
    return again


def test_without_consent_nothing_is_signed(firm_a, bakery):
    proposal = _sent_proposal(firm_a, bakery)

    response = _sign(firm_a, bakery, proposal, consent="")

    assert response.status_code == 400
    assert "Agree to sign electronically" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    with schema_context(firm_a.firm.schema_name):
        assert not Engagement.objects.filter(client=bakery).exists()


def test_signed_proposals_cannot_change_and_expired_or_withdrawn_cannot_be_signed(
        firm_a, bakery):
    proposal = _sent_proposal(firm_a, bakery)
    assert _sign(firm_a, bakery, proposal).status_code == 302
    connection.set_tenant(firm_a.firm)
    with pytest.raises(ValidationError, match="signed"):
        proposal_withdraw(proposal=proposal, by=firm_a.user(Role.MANAGER))
    with pytest.raises(ValidationError, match="signed"):
        proposal_send(proposal=proposal, by=firm_a.user(Role.MANAGER))
    connection.set_schema_to_public()
    again = _sign(firm_a, bakery, proposal)
    assert again.status_code == 409 and "Signed by Bea Baker" in again.content.decode()

    expiring = _sent_proposal_again(firm_a, bakery)
    with schema_context(firm_a.firm.schema_name):
        # Two days back: past in every zone, whatever the firm's is against the test's.
        Proposal.objects.filter(pk=expiring.pk).update(
            expires_on=timezone.localdate() - timedelta(days=2))
    response = _sign(firm_a, bakery, expiring)
    assert "can no longer be signed (expired)" in response.content.decode()
    withdrawn = _sent_proposal_again(firm_a, bakery)
    firm_a.client(Role.MANAGER).post(f"/people/proposals/{withdrawn.pk}/withdraw/")
    assert "(withdrawn)" in _sign(firm_a, bakery, withdrawn).content.decode()


def test_a_change_to_the_stored_content_is_detected(firm_a, bakery):
    proposal = _sent_proposal(firm_a, bakery)
    _sign(firm_a, bakery, proposal)
    with schema_context(firm_a.firm.schema_name):
        proposal.refresh_from_db()
        proposal.lines.filter(fee_type="fixed").update(amount=Decimal("1.00"))
        pdf = document_read(Document.objects.get(pk=proposal.signed_document_id).file.name)
        result = verify_signed_pdf(proposal=proposal, pdf=pdf, firm_name="Alpha CPA")
    assert result.problems == ["The stored proposal no longer matches what was signed."]


def test_drafts_are_not_shown_to_clients_and_clients_of_other_businesses_see_nothing(
        firm_a, bakery):
    connection.set_tenant(firm_a.firm)
    draft = Proposal.objects.create(client=bakery, title="Draft", terms="T",
                                    expires_on=timezone.localdate())
    other = make_client(business_name="Other Co")
    theirs = Proposal.objects.create(client=other, title="Theirs", terms="T",
                                     expires_on=timezone.localdate(),
                                     status=Proposal.Status.SENT)
    connection.set_schema_to_public()
    portal = firm_a.client(Role.CLIENT_OWNER)

    assert portal.get(f"/portal/{bakery.pk}/proposals/{draft.pk}/").status_code == 404
    assert portal.get(f"/portal/{bakery.pk}/proposals/{theirs.pk}/").status_code == 404
    assert portal.get(f"/portal/{other.pk}/proposals/").status_code == 404
    assert firm_a.client(Role.STAFF_ACCOUNTANT).get("/people/proposals/").status_code == 403
