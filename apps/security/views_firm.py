"""Firm admins' security pages: sign-in risk rules and history, locked members, the audit
trail (browse, filter, CSV export) and API keys."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.models import Membership, User
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm, permissions_for_role
from apps.audit.models import AuditAction
from apps.audit.presenters import ACTION_LABELS, OBJECT_KINDS, audit_rows
from apps.audit.selectors import audit_events_filtered
from apps.audit.services import audit_record
from apps.security.api_keys import api_key_create, api_key_revoke
from apps.security.models import ApiKey, SignInRecord
from apps.security.risk import CRITICAL_AT, RISKY_AT, RULES
from apps.security.services import account_unlock

AUDIT_PAGE_SIZE = 50


@firm_permission_required(Perm.FIRM_MANAGE)
def security_overview(request: HttpRequest) -> HttpResponse:
    member_ids = Membership.objects.filter(firm=request.firm).values("user_id")
    return render(request, "security/firm_overview.html", {
        "rules": RULES.values(), "risky_at": RISKY_AT, "critical_at": CRITICAL_AT,
        "sign_ins": SignInRecord.objects.filter(firm=request.firm)
        .select_related("user").order_by("-created_at")[:50],
        "locked": User.objects.filter(pk__in=member_ids, locked_at__isnull=False)
        .order_by("email"),
    })


@require_POST
@firm_permission_required(Perm.FIRM_MANAGE)
def member_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    # Only current members: a firm someone has left must not lift a lock that protects
    # them at the firm they work for now.
    membership = get_object_or_404(Membership.objects.select_related("user"),
                                   firm=request.firm, user_id=user_id, is_active=True)
    account_unlock(user=membership.user, by=request.user, request=request)
    messages.success(request, f"{membership.user.email} is unlocked.")
    return redirect("firm_security:overview")


class FirmSecuritySettingsForm(forms.Form):
    mfa_required_for_clients = forms.BooleanField(
        required=False, label="Require two-step sign-in of client users too")
    staff_idle_timeout_minutes = forms.IntegerField(
        min_value=5, max_value=240, label="Sign staff out after this many idle minutes")
    # Left out of a post, the zone stays as it is.
    time_zone = forms.ChoiceField(
        required=False, label="Firm time zone",
        help_text="Dates and times on staff and portal pages are shown in this zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from apps.firms.services import time_zone_choices
        self.fields["time_zone"].choices = time_zone_choices()


@firm_permission_required(Perm.FIRM_MANAGE)
def security_settings(request: HttpRequest) -> HttpResponse:
    from apps.firms.services import FIRM_SECURITY_FIELDS, firm_security_settings_update

    current = {name: getattr(request.firm, name) for name in FIRM_SECURITY_FIELDS}
    form = FirmSecuritySettingsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items()
                   if name != "time_zone" or value}
        try:
            firm_security_settings_update(firm=request.firm, by=request.user, request=request,
                                          **changes)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Security settings saved.")
            return redirect("firm_security:overview")
    return render(request, "security/firm_settings.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


class AuditFilterForm(forms.Form):
    """Filter by person, object and action (and dates, in the firm's time zone)."""

    actor = forms.ChoiceField(required=False, label="Person")
    action = forms.ChoiceField(required=False, choices=[
        ("", "Any action"), *sorted(ACTION_LABELS.items(), key=lambda item: item[1])])
    object = forms.ChoiceField(required=False, label="Object", choices=[
        ("", "Any object"), *sorted(OBJECT_KINDS.items(), key=lambda item: item[1])])
    object_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    since = forms.DateField(required=False, label="From",
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To",
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = (User.objects.filter(memberships__firm=firm).order_by("full_name", "email")
                  if firm is not None else User.objects.none())
        self.fields["actor"].choices = [("", "Anyone"), *(
            (person.email, person.get_full_name() or person.email) for person in people)]

    def clean(self):
        data = super().clean()
        # "To" includes that whole day: the day after it must exist.
        if data.get("until") == date.max:
            self.add_error("until", "Choose a date before 31 December 9999.")
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("The start date is after the end date.")
        if data.get("object_id") and not data.get("object"):
            self.add_error("object", "Choose the kind of object too.")
        return data

    def events(self):
        data = self.cleaned_data

        def day_start(day):
            # Days are the firm's days: the view activates its time zone.
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None

        return audit_events_filtered(
            action=data.get("action") or None, actor_email=data.get("actor") or None,
            since=day_start(data.get("since")),
            until=day_start(data["until"] + timedelta(days=1)) if data.get("until") else None,
            target_type=data.get("object") or None, target_id=data.get("object_id") or None,
        )


def _firm_time_zone(firm):
    # The middleware has activated it already; the export's day bounds need it too.
    return firm.zone


@firm_permission_required(Perm.AUDIT_VIEW)
def audit_trail(request: HttpRequest) -> HttpResponse:
    with timezone.override(_firm_time_zone(request.firm)):
        form = AuditFilterForm(request.GET or None, firm=request.firm)
        events = form.events() if form.is_valid() else audit_events_filtered()
        status = 400 if form.is_bound and not form.is_valid() else 200
        page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "security/audit_trail.html",
                      {"form": form, "page": page, "rows": audit_rows(page.object_list),
                       "query": query.urlencode(), "object_kinds": OBJECT_KINDS},
                      status=status)


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_CHUNK = 500


def _export_rows(writer, events: list):
    """Raw columns for tools, and the sentence for people (names looked up per chunk)."""
    for row in audit_rows(events):
        event = row.event
        changes = "; ".join(f"{c.field}: {c.before or '—'} → {c.after or '—'}"
                            for c in row.changes)
        yield writer.writerow([event.id, event.created_at.isoformat(), event.action,
                               event.actor_email, event.target_type, event.target_id,
                               event.ip_address or "", event.request_id, event.details,
                               event.hash, f"{row.sentence}. {changes}".strip(". ")
                               if changes else row.sentence])


@firm_permission_required(Perm.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, firm=request.firm)
    if form.is_bound and not form.is_valid():
        return HttpResponse("; ".join(m for ms in form.errors.values() for m in ms),
                            status=400, content_type="text/plain")
    with timezone.override(_firm_time_zone(request.firm)):
        events = form.events() if form.is_bound else audit_events_filtered()
    # The export covers what existed when it was asked for, not its own record.
    last = events.values_list("id", flat=True).first()
    events = events.filter(id__lte=last or 0)
    audit_record(action=AuditAction.EXPORTED, request=request,
                 details={"what": "audit trail", "filters": request.GET.dict()})
    writer = csv.writer(_Echo())
    header = ["id", "created_at", "action", "actor_email", "target_type", "target_id",
              "ip_address", "request_id", "details", "hash", "summary"]

    def rows():
        yield writer.writerow(header)
        chunk: list = []
        for event in events.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(event)
            if len(chunk) == EXPORT_CHUNK:
                yield from _export_rows(writer, chunk)
                chunk = []
        yield from _export_rows(writer, chunk)

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=Perm.choices,
                                       widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.IntegerField(min_value=1, max_value=366, initial=90,
                                         label="Expires after (days)")

    def __init__(self, *args, allowed: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(p.value, p.label) for p in Perm if p in allowed]


@firm_permission_required(Perm.API_KEYS_MANAGE)
def api_keys(request: HttpRequest) -> HttpResponse:
    from apps.accounts.access import request_role

    form = ApiKeyForm(request.POST or None, allowed=permissions_for_role(request_role(request)))
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_key_create(firm=request.firm, created_by=request.user,
                                     name=form.cleaned_data["name"],
                                     scopes=form.cleaned_data["scopes"],
                                     expires_in_days=form.cleaned_data["expires_in_days"],
                                     request=request)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    keys = ApiKey.objects.filter(firm=request.firm).select_related("created_by")
    return render(request, "security/api_keys.html",
                  {"form": form, "keys": keys, "created": created, "now": timezone.now()},
                  status=400 if request.method == "POST" and created is None else 200)


@require_POST
@firm_permission_required(Perm.API_KEYS_MANAGE)
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=key_id, firm=request.firm)
    api_key_revoke(key=key, by=request.user, request=request)
    messages.success(request, f"The key “{key.name}” is revoked.")
    return redirect("firm_security:api_keys")
