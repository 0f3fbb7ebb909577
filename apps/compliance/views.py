"""Compliance pages for partners (COMPLIANCE_VIEW): findings with their evidence and who
resolved them; resolving (COMPLIANCE_RESOLVE); the two-person deletion of documents past
retention (COMPLIANCE_DELETION_APPROVE); the firm's settings (FIRM_MANAGE)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from advisoros.forms import apply_service_errors, form_written
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.compliance import selectors, services
from apps.compliance.forms import DeletionRequestForm, NoteForm, SettingsForm
from apps.compliance.models import DeletionRequest, Finding, Rule


@firm_permission_required(Perm.COMPLIANCE_VIEW)
def findings(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    status = status if status in Finding.Status.values else "open"
    rule = request.GET.get("rule", "")
    rule = rule if rule in Rule.values else ""
    return render(request, "compliance/findings.html", {
        "findings": selectors.findings_list(status=status, rule=rule), "status": status,
        "rule": rule, "rules": selectors.open_counts_by_rule(),
        "pending": selectors.deletions_pending(), "settings": services.settings_get(),
        "can_manage": request_has_permission(request, Perm.FIRM_MANAGE)})


def _finding(finding_id: int) -> Finding:
    finding = selectors.finding_get(finding_id=finding_id)
    if finding is None:
        raise Http404
    return finding


def _finding_page(request: HttpRequest, finding: Finding, *, note_form=None,
                  deletion_form=None, status: int = 200) -> HttpResponse:
    return render(request, "compliance/finding.html", {
        "finding": finding, "deletions": selectors.finding_deletions(finding=finding),
        "evidence": selectors.evidence_rows(finding),
        "note_form": note_form or NoteForm(),
        "deletion_form": deletion_form or DeletionRequestForm(),
        "can_resolve": request_has_permission(request, Perm.COMPLIANCE_RESOLVE),
        "can_delete": request_has_permission(request, Perm.COMPLIANCE_DELETION_APPROVE),
        "is_retention": finding.rule == Rule.RETENTION_EXPIRED}, status=status)


@firm_permission_required(Perm.COMPLIANCE_VIEW)
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _finding_page(request, _finding(finding_id))


@require_POST
@firm_permission_required(Perm.COMPLIANCE_RESOLVE)
def finding_resolve(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = _finding(finding_id)
    form = NoteForm(request.POST)
    if form_written(form, lambda data: services.finding_resolve(
            finding=finding, user=request.user, note=data["note"], request=request)):
        messages.success(request, "Finding resolved; your note is kept with it.")
        return redirect("compliance:finding", finding_id=finding.pk)
    return _finding_page(request, finding, note_form=form, status=400)


@require_POST
@firm_permission_required(Perm.COMPLIANCE_DELETION_APPROVE)
def deletion_request(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = _finding(finding_id)
    form = DeletionRequestForm(request.POST)
    if form_written(form, lambda data: services.deletion_request_create(
            finding=finding, user=request.user, reason=data["reason"], request=request)):
        messages.success(request, "Deletion proposed. Another partner must approve it "
                                  "before anything is deleted.")
        return redirect("compliance:finding", finding_id=finding.pk)
    return _finding_page(request, finding, deletion_form=form, status=400)


@require_POST
@firm_permission_required(Perm.COMPLIANCE_DELETION_APPROVE)
def deletion_decide(request: HttpRequest, deletion_id: int) -> HttpResponse:
    deletion = get_object_or_404(DeletionRequest, pk=deletion_id)
    form = NoteForm(request.POST)
    decision = request.POST.get("decision")
    if form.is_valid() and decision in ("approve", "reject"):
        decide = (services.deletion_request_approve if decision == "approve"
                  else services.deletion_request_reject)
        try:
            decided = decide(deletion=deletion, user=request.user,
                             note=form.cleaned_data["note"], request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{decided.deleted_count} documents deleted."
                             if decision == "approve" else "Deletion rejected.")
            return redirect("compliance:finding", finding_id=deletion.finding_id)
    elif decision not in ("approve", "reject"):
        form.add_error(None, "Choose approve or reject.")
    return _finding_page(request, deletion.finding, note_form=form, status=400)


@require_POST
@firm_permission_required(Perm.COMPLIANCE_RESOLVE)
def evaluate_now(request: HttpRequest) -> HttpResponse:
    result = services.compliance_evaluate()
    if result.skipped:
        messages.info(request, "A check is already running; its findings show shortly.")
    else:
        messages.success(request, f"Checked: {result.opened} new, {result.cleared} "
                                  f"cleared, {result.updated} still open.")
    return redirect("compliance:findings")


@firm_permission_required(Perm.FIRM_MANAGE)
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = services.settings_get()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form_written(form, lambda _: services.settings_update(**form.service_kwargs())):
            messages.success(request, "Compliance settings saved; they apply from the "
                                      "next check.")
            return redirect("compliance:findings")
        return render(request, "staff/form.html", {"form": form,
                      "title": "Compliance settings", "cancel_url": "/compliance/"},
                      status=400)
    return render(request, "staff/form.html", {"form": form, "title": "Compliance settings",
                                               "cancel_url": "/compliance/"})
