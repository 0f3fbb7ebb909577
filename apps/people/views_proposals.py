"""Proposal pages: staff build, send and withdraw; clients review and sign."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from advisoros.forms import apply_service_errors
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.people.forms_proposals import LineFormSet, ProposalForm, SignForm
from apps.people.models_proposals import Proposal, ProposalTemplate
from apps.people.proposals import (
    CONSENT_TEXT,
    LineInput,
    proposal_create,
    proposal_expire_if_due,
    proposal_send,
    proposal_sign,
    proposal_withdraw,
    template_lines,
)
from apps.people.views_messages import client_or_404, form_data, portal_client
from apps.people.views_team import error_text
from apps.portal.models import Client


def _proposal(proposal_id: int, client_id: int | None = None) -> Proposal:
    proposals = Proposal.objects.select_related("client", "signed_document")
    if client_id is not None:
        proposals = proposals.filter(client_id=client_id).exclude(status=Proposal.Status.DRAFT)
    proposal = proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal_expire_if_due(proposal)


@firm_permission_required(Perm.PROPOSALS_MANAGE)
def proposal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    proposals = Proposal.objects.select_related("client")
    if status in Proposal.Status.values:
        proposals = proposals.filter(status=status)
    return render(request, "people/proposals.html", {
        "proposals": proposals[:200], "status": status, "statuses": Proposal.Status.choices,
        "section": "proposals"})


@firm_permission_required(Perm.PROPOSALS_MANAGE)
def proposal_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_or_404(client_id)
    templates = list(ProposalTemplate.objects.all())
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")),
                  templates[0] if templates else None)
    data, _ = form_data(request)
    initial = {"title": chosen.name, "introduction": chosen.introduction,
               "terms": chosen.terms} if chosen else {}
    form = ProposalForm(data, initial=initial)
    lines = LineFormSet(data, prefix="lines", initial=[
        vars(line) for line in template_lines(chosen)] if chosen else None)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [LineInput(**{k: row.get(k) or "" for k in (
            "service", "fee_type", "amount", "engagement_type", "frequency", "description")})
            for row in lines.cleaned_data if row and row.get("service")]
        try:
            proposal = proposal_create(client=client, by=request.user, lines=rows,
                                       **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("people:proposal", proposal_id=proposal.pk)
    return render(request, "people/proposal_new.html", {
        "client": client, "form": form, "lines": lines, "templates": templates,
        "chosen": chosen, "section": "proposals"},
        status=400 if request.method == "POST" else 200)


@firm_permission_required(Perm.PROPOSALS_MANAGE)
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    return render(request, "people/proposal_detail.html", {
        "proposal": proposal, "client": proposal.client, "section": "proposals",
        "staff": True})


def _act(request: HttpRequest, proposal_id: int, action, done: str) -> HttpResponse:
    proposal = _proposal(proposal_id)
    try:
        action(proposal=proposal, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("people:proposal", proposal_id=proposal.pk)


@require_POST
@firm_permission_required(Perm.PROPOSALS_MANAGE)
def proposal_send_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _act(request, proposal_id, proposal_send,
                "Sent: the client's portal users were told to review it.")


@require_POST
@firm_permission_required(Perm.PROPOSALS_MANAGE)
def proposal_withdraw_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _act(request, proposal_id, proposal_withdraw, "The proposal was withdrawn.")


@portal_client
def portal_proposals(request: HttpRequest, client: Client) -> HttpResponse:
    proposals = Proposal.objects.filter(client=client).exclude(status=Proposal.Status.DRAFT)
    return render(request, "people/portal_proposals.html", {
        "client": client, "proposals": [proposal_expire_if_due(p) for p in proposals],
        "portal_section": "proposals"})


@portal_client
def portal_proposal(request: HttpRequest, client: Client, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id, client_id=client.pk)
    form = SignForm(*form_data(request)[:1])
    can_sign = proposal.status == Proposal.Status.SENT
    if request.method == "POST" and can_sign and form.is_valid():
        try:
            proposal_sign(proposal=proposal, user=request.user, request=request,
                          **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Thank you: the proposal is signed. A signed copy is "
                                      "in your documents.")
            return redirect("portal_people:proposal", client_id=client.pk,
                            proposal_id=proposal.pk)
    return render(request, "people/proposal_detail.html", {
        "proposal": proposal, "client": client, "form": form, "portal_section": "proposals",
        "consent_text": CONSENT_TEXT.format(firm=request.firm.name),
        "can_sign": can_sign},
        # A late signature (expired, withdrawn, already signed) is a conflict, not bad input.
        status=200 if request.method != "POST" else 400 if can_sign else 409)
