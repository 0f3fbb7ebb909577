"""Proposals: build from a template, send, withdraw, sign (and what signing starts).

A proposal can be edited only as a draft; once sent its content is what the client sees,
and once signed nothing about it changes (every service here refuses, and the signed PDF
and content hashes make any change outside them detectable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from advisoros.request_info import client_ip, user_agent
from apps.accounts.models import User
from apps.billing.recurring import recurring_plan_create
from apps.documents.models import Document
from apps.documents.services import documents_upload
from apps.people import audit
from apps.people.esign import (
    SignatureEvidence,
    content_bytes,
    drawing_png,
    proposal_content,
    sha256_hex,
    signed_at_text,
    signed_pdf,
)
from apps.people.models import Notification
from apps.people.models_proposals import FeeType, Proposal, ProposalLine, ProposalTemplate
from apps.people.notifications import notify
from apps.portal.models import Client, ClientAccess, Engagement
from apps.portal.services import engagement_create
from apps.work.proposal_signing import proposal_signed_after_commit

MAX_LINES = 20
CONSENT_TEXT = (
    "I agree to receive this proposal and to sign it electronically. I understand that my "
    "electronic signature is as binding as a handwritten one, that I may ask {firm} for a "
    "paper copy at no charge, and that I may decline to sign electronically by not "
    "signing here and contacting {firm} instead.")


@dataclass(frozen=True)
class LineInput:
    service: str
    fee_type: str
    amount: str | Decimal
    engagement_type: str
    frequency: str = ""
    description: str = ""


def terms_and_lines_clean(*, terms: str, introduction: str, lines: list[LineInput],
                          errors: dict[str, list[str]]) -> list[ProposalLine]:
    """The checks a proposal and a proposal template share: terms written, no NUL in
    the text, every line valid. Adds what is wrong to `errors` (the caller's own field
    errors) and raises them all at once, so the person sees every mistake together."""
    if not (terms or "").strip() or "\x00" in terms or "\x00" in (introduction or ""):
        errors["terms"] = ["Write the terms of engagement."]
    try:
        clean = _lines_clean(lines)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return clean


def _lines_clean(lines: list[LineInput]) -> list[ProposalLine]:
    errors: list[str] = []
    if not lines:
        errors.append("Add at least one service.")
    if len(lines) > MAX_LINES:
        errors.append(f"A proposal holds at most {MAX_LINES} services.")
    clean = []
    for number, line in enumerate(lines, start=1):
        service = (line.service or "").strip()
        try:
            amount = Decimal(str(line.amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            amount = None
        if not service or len(service) > 200 or "\x00" in service:
            errors.append(f"Line {number}: name the service (up to 200 characters).")
        if line.fee_type not in FeeType.values:
            errors.append(f"Line {number}: choose fixed, recurring or hourly.")
        if amount is None or not amount.is_finite() or amount < 0 or amount >= 10**10:
            errors.append(f"Line {number}: enter a fee of zero or more.")
        if line.engagement_type not in Engagement.Type.values:
            errors.append(f"Line {number}: choose the kind of engagement.")
        frequency = line.frequency if line.fee_type == FeeType.RECURRING else ""
        if line.fee_type == FeeType.RECURRING and frequency not in ProposalLine.Frequency.values:
            errors.append(f"Line {number}: a recurring fee needs a frequency.")
        clean.append(ProposalLine(position=number, service=service, fee_type=line.fee_type,
                                  amount=amount or Decimal("0"), frequency=frequency,
                                  engagement_type=line.engagement_type,
                                  description=(line.description or "").strip()[:2000]))
    if errors:
        raise ValidationError({"lines": errors})
    return clean


def template_lines(template: ProposalTemplate) -> list[LineInput]:
    return [LineInput(service=row.get("service", ""), fee_type=row.get("fee_type", ""),
                      amount=row.get("amount", "0"), frequency=row.get("frequency", ""),
                      engagement_type=row.get("engagement_type", ""),
                      description=row.get("description", "")) for row in template.lines]


@transaction.atomic
def proposal_create(*, client: Client, title: str, terms: str, expires_on: date,
                    lines: list[LineInput], by: User, introduction: str = "") -> Proposal:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > 200 or "\x00" in title:
        errors["title"] = ["Give the proposal a title (up to 200 characters)."]
    if expires_on is None or expires_on < timezone.localdate():
        errors["expires_on"] = ["The offer cannot expire in the past."]
    clean = terms_and_lines_clean(terms=terms, introduction=introduction, lines=lines,
                                  errors=errors)
    proposal = Proposal.objects.create(client=client, title=title, terms=terms.strip(),
                                       introduction=(introduction or "").strip(),
                                       expires_on=expires_on, created_by=by)
    for line in clean:
        line.proposal = proposal
    ProposalLine.objects.bulk_create(clean)
    return proposal


def _locked(proposal: Proposal, *allowed: str) -> Proposal:
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("client").get(
        pk=proposal.pk)
    if locked.status not in allowed:
        status = locked.get_status_display().lower()
        raise ValidationError({"proposal": f"This proposal is {status}."})
    return locked


@transaction.atomic
def proposal_send(*, proposal: Proposal, by: User, request: HttpRequest | None = None
                  ) -> Proposal:
    proposal = _locked(proposal, Proposal.Status.DRAFT)
    if proposal.expires_on < timezone.localdate():
        raise ValidationError({"expires_on": "The offer has already expired; make a new one."})
    proposal.status = Proposal.Status.SENT
    proposal.sent_at = timezone.now()
    proposal.save(update_fields=["status", "sent_at"])
    audit.people_audit(audit.PROPOSAL_SENT, request=request, actor=by, target=proposal,
                       details={"client_id": proposal.client_id})
    users = ClientAccess.objects.filter(client=proposal.client).values_list("user_id", flat=True)
    notify(user_ids=list(users), kind=Notification.Kind.PROPOSAL_SENT,
           title=f"{connection.tenant.name} sent you a proposal to review",
           url=reverse("portal_people:proposal", args=[proposal.client_id, proposal.pk]))
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by: User, request: HttpRequest | None = None
                      ) -> Proposal:
    proposal = _locked(proposal, Proposal.Status.DRAFT, Proposal.Status.SENT)
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.withdrawn_at = timezone.now()
    proposal.save(update_fields=["status", "withdrawn_at"])
    audit.people_audit(audit.PROPOSAL_WITHDRAWN, request=request, actor=by, target=proposal)
    return proposal


def proposal_expire_if_due(proposal: Proposal) -> Proposal:
    """A sent proposal past its date becomes expired (on first look after the date)."""
    if proposal.is_past_expiry:
        Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.SENT).update(
            status=Proposal.Status.EXPIRED)
        proposal.status = Proposal.Status.EXPIRED
    return proposal


def _accept(proposal: Proposal) -> list[tuple[int, int]]:
    """What signing starts: one engagement per service line, and a recurring invoice plan
    for each recurring fee (apps.portal and apps.billing services); returns (line id,
    engagement id) pairs for the work it starts (apps.work)."""
    today = timezone.localdate()
    started = []
    for line in proposal.lines.all():
        engagement = engagement_create(
            client=proposal.client, type=line.engagement_type, start_date=today,
            status=Engagement.Status.ACTIVE,
            fee=line.amount if line.fee_type == FeeType.FIXED else Decimal("0.00"),
            responsible_id=proposal.created_by_id)
        if line.fee_type == FeeType.RECURRING:
            recurring_plan_create(client=proposal.client, frequency=line.frequency,
                                  description=line.service, unit_price=line.amount,
                                  start_date=today, engagement=engagement,
                                  created_by=proposal.created_by)
        started.append((line.pk, engagement.pk))
    return started


@transaction.atomic
def proposal_sign(*, proposal: Proposal, user: User, signer_name: str, signature_kind: str,
                  consent: bool, request: HttpRequest, drawing: str = "") -> Proposal:
    firm_name = connection.tenant.name
    proposal = _locked(proposal, Proposal.Status.SENT, Proposal.Status.EXPIRED)
    if proposal.status == Proposal.Status.EXPIRED or proposal.is_past_expiry:
        raise ValidationError({"proposal": "This offer has expired. Ask the firm for a new "
                                           "proposal."})
    errors: dict[str, str] = {}
    signer_name = (signer_name or "").strip()
    if not signer_name or len(signer_name) > 200 or "\x00" in signer_name:
        errors["signer_name"] = "Type your full name."
    if not consent:
        errors["consent"] = "Agree to sign electronically to continue."
    png = None
    if signature_kind == Proposal.SignatureKind.DRAWN:
        try:
            png = drawing_png(drawing or "")
        except ValueError as exc:
            errors["signature_kind"] = str(exc)  # the drawing field itself is hidden
    elif signature_kind != Proposal.SignatureKind.TYPED:
        errors["signature_kind"] = "Choose to type or draw your signature."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    content_hash = sha256_hex(content_bytes(proposal_content(proposal, firm_name=firm_name)))
    evidence = SignatureEvidence(
        signer_name=signer_name, signer_email=user.email, signed_at_iso=signed_at_text(now),
        ip=client_ip(request) or "", user_agent=user_agent(request), kind=signature_kind,
        consent_text=CONSENT_TEXT.format(firm=firm_name), content_sha256=content_hash,
        drawing=png)
    pdf = signed_pdf(proposal=proposal, firm_name=firm_name, evidence=evidence)
    upload = SimpleUploadedFile(f"Signed - {proposal.title[:80]}.pdf", pdf, "application/pdf")
    [document] = documents_upload(client=proposal.client, files=[upload],
                                  category=Document.Category.CONTRACT,
                                  uploaded_by_id=user.pk).documents
    proposal.status = Proposal.Status.SIGNED
    proposal.signed_at, proposal.signer = now, user
    proposal.signer_name, proposal.signer_email = signer_name, user.email
    proposal.signer_ip = evidence.ip or None
    proposal.signer_user_agent = evidence.user_agent[:300]
    proposal.signature_kind, proposal.consent_text = signature_kind, evidence.consent_text
    proposal.content_sha256, proposal.pdf_sha256 = content_hash, sha256_hex(pdf)
    proposal.signed_document = document
    proposal.save()
    audit.people_audit(audit.PROPOSAL_SIGNED, request=request, actor=user, target=proposal,
                       details={"content_sha256": content_hash,
                                "pdf_sha256": proposal.pdf_sha256, "document_id": document.pk})
    proposal_signed_after_commit(proposal_id=proposal.pk, engagements=_accept(proposal))
    if proposal.created_by_id:
        notify(user_ids=[proposal.created_by_id], kind=Notification.Kind.PROPOSAL_SIGNED,
               title=f"{proposal.client.business_name} signed “{proposal.title}”",
               url=reverse("people:proposal", args=[proposal.pk]))
    return proposal
