"""Every write on clients, portal access, engagements and tasks.

Keyword-only, transactional, and strict: bad input raises ValidationError keyed by field
(NUL bytes, over-long text, unknown choices, negative money, people who are not staff of
this firm), so forms and the API can show it next to the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.changes import audit_changed, audit_created, audit_deleted, record_values
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.models import Client, ClientAccess, Engagement, Task
from apps.portal.selectors import current_firm, firm_client_user_ids, firm_staff_user_ids

_SENTINEL: Any = object()
# What the audit trail keeps of each record when it is created, changed or deleted.
CLIENT_AUDITED = ("business_name", "status", "industry", "annual_revenue", "contact_name",
                  "contact_email", "contact_phone", "assigned_staff")
ENGAGEMENT_AUDITED = ("client", "type", "status", "start_date", "end_date", "fee",
                      "responsible")
TASK_AUDITED = ("client", "title", "engagement", "status", "priority", "due_date", "assignee",
                "estimated_hours")


def _reject_nul(values: dict[str, Any]) -> None:
    errors = {name: "This text contains a NUL character." for name, value in values.items()
              if isinstance(value, str) and "\x00" in value}
    if errors:
        raise ValidationError(errors)


def _save_validated(instance: Model, changed: dict[str, Any], *, create: bool) -> None:
    _reject_nul(changed)
    for name, value in changed.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    # full_clean checks lengths, choices, decimal places and the model's constraints.
    instance.full_clean()
    if create:
        instance.save()
    else:
        instance.save(update_fields=[*changed, "updated_at"])


def _staff_check(field: str, user_id: int | None) -> None:
    if user_id is not None and user_id not in firm_staff_user_ids(current_firm().pk):
        raise ValidationError({field: "Pick a member of this firm's staff."})


def _given(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not _SENTINEL}


@transaction.atomic
def client_create(*, business_name: str, status: str = Client.Status.ACTIVE,
                  industry: str = Client.Industry.OTHER,
                  annual_revenue: Decimal | None = None, contact_name: str = "",
                  contact_email: str = "", contact_phone: str = "",
                  assigned_staff_id: int | None = None, request: HttpRequest | None = None,
                  actor: User | None = None) -> Client:
    _staff_check("assigned_staff", assigned_staff_id)
    client = Client()
    _save_validated(client, dict(
        business_name=business_name, status=status, industry=industry,
        annual_revenue=annual_revenue, contact_name=contact_name, contact_email=contact_email,
        contact_phone=contact_phone, assigned_staff_id=assigned_staff_id), create=True)
    audit_created(instance=client, fields=CLIENT_AUDITED, request=request, actor=actor)
    dashboard_note_client_change(client.pk)
    return client


@transaction.atomic
def client_update(*, client: Client, business_name: str = _SENTINEL, status: str = _SENTINEL,
                  industry: str = _SENTINEL, annual_revenue: Decimal | None = _SENTINEL,
                  contact_name: str = _SENTINEL, contact_email: str = _SENTINEL,
                  contact_phone: str = _SENTINEL,
                  assigned_staff_id: int | None = _SENTINEL,
                  request: HttpRequest | None = None, actor: User | None = None) -> Client:
    changed = _given(business_name=business_name, status=status, industry=industry,
                     annual_revenue=annual_revenue, contact_name=contact_name,
                     contact_email=contact_email, contact_phone=contact_phone,
                     assigned_staff_id=assigned_staff_id)
    if "assigned_staff_id" in changed:
        _staff_check("assigned_staff", changed["assigned_staff_id"])
    before = record_values(client, changed)
    _save_validated(client, changed, create=False)
    audit_changed(instance=client, before=before, request=request, actor=actor)
    dashboard_note_client_change(client.pk)
    return client


@transaction.atomic
def client_archive(*, client: Client, request: HttpRequest | None = None,
                   actor: User | None = None) -> Client:
    """Soft delete: the client leaves lists and dashboards; its history stays."""
    if client.deleted_at is None:
        client.deleted_at = timezone.now()
        client.save(update_fields=["deleted_at", "updated_at"])
        audit_deleted(instance=client, fields=CLIENT_AUDITED, request=request, actor=actor)
    return client


@transaction.atomic
def client_access_grant(*, client: Client, user: User, request: HttpRequest | None = None,
                        actor: User | None = None) -> ClientAccess:
    """Let a client-side user of this firm see `client` in the portal (idempotent)."""
    if user.pk not in firm_client_user_ids(current_firm().pk):
        raise ValidationError({"user": "Only client users of this firm can get portal "
                                       "access to a client."})
    access, created = ClientAccess.objects.get_or_create(user_id=user.pk, client=client)
    if created:
        audit_created(instance=access, fields=("user", "client"), request=request, actor=actor)
    return access


@transaction.atomic
def client_access_revoke(*, client: Client, user: User, request: HttpRequest | None = None,
                         actor: User | None = None) -> int:
    accesses = list(ClientAccess.objects.filter(user_id=user.pk, client=client))
    for access in accesses:
        audit_deleted(instance=access, fields=("user", "client"), request=request, actor=actor)
    return ClientAccess.objects.filter(pk__in=[a.pk for a in accesses]).delete()[0]


@transaction.atomic
def engagement_create(*, client: Client, type: str, start_date: date,
                      status: str = Engagement.Status.PLANNED, end_date: date | None = None,
                      fee: Decimal = Decimal("0.00"),
                      responsible_id: int | None = None, request: HttpRequest | None = None,
                      actor: User | None = None) -> Engagement:
    _staff_check("responsible", responsible_id)
    engagement = Engagement(client=client)
    _save_validated(engagement, dict(type=type, status=status, start_date=start_date,
                                     end_date=end_date, fee=fee,
                                     responsible_id=responsible_id), create=True)
    audit_created(instance=engagement, fields=ENGAGEMENT_AUDITED, request=request, actor=actor)
    dashboard_note_client_change(client.pk)
    return engagement


@transaction.atomic
def engagement_update(*, engagement: Engagement, type: str = _SENTINEL,
                      status: str = _SENTINEL, start_date: date = _SENTINEL,
                      end_date: date | None = _SENTINEL, fee: Decimal = _SENTINEL,
                      responsible_id: int | None = _SENTINEL,
                      request: HttpRequest | None = None,
                      actor: User | None = None) -> Engagement:
    changed = _given(type=type, status=status, start_date=start_date, end_date=end_date,
                     fee=fee, responsible_id=responsible_id)
    if "responsible_id" in changed:
        _staff_check("responsible", changed["responsible_id"])
    before = record_values(engagement, changed)
    _save_validated(engagement, changed, create=False)
    audit_changed(instance=engagement, before=before, request=request, actor=actor)
    dashboard_note_client_change(engagement.client_id)
    return engagement


def _engagement_check(client: Client, engagement: Engagement | None) -> None:
    if engagement is not None and engagement.client_id != client.pk:
        raise ValidationError({"engagement": "This engagement belongs to another client."})


@transaction.atomic
def task_create(*, client: Client, title: str, engagement: Engagement | None = None,
                status: str = Task.Status.PENDING, priority: int = Task.Priority.NORMAL,
                due_date: date | None = None, assignee_id: int | None = None,
                estimated_hours: Decimal | None = None, request: HttpRequest | None = None,
                actor: User | None = None) -> Task:
    _engagement_check(client, engagement)
    _staff_check("assignee", assignee_id)
    task = Task(client=client)
    _save_validated(task, dict(title=title, engagement=engagement, status=status,
                               priority=priority, due_date=due_date, assignee_id=assignee_id,
                               estimated_hours=estimated_hours), create=True)
    audit_created(instance=task, fields=TASK_AUDITED, request=request, actor=actor)
    dashboard_note_client_change(client.pk)
    return task


@transaction.atomic
def task_update(*, task: Task, title: str = _SENTINEL, engagement: Engagement | None = _SENTINEL,
                status: str = _SENTINEL, priority: int = _SENTINEL,
                due_date: date | None = _SENTINEL, assignee_id: int | None = _SENTINEL,
                estimated_hours: Decimal | None = _SENTINEL, request: HttpRequest | None = None,
                actor: User | None = None) -> Task:
    changed = _given(title=title, engagement=engagement, status=status, priority=priority,
                     due_date=due_date, assignee_id=assignee_id,
                     estimated_hours=estimated_hours)
    if "engagement" in changed:
        _engagement_check(task.client, changed["engagement"])
    if "assignee_id" in changed:
        _staff_check("assignee", changed["assignee_id"])
    before = record_values(task, changed)
    _save_validated(task, changed, create=False)
    audit_changed(instance=task, before=before, request=request, actor=actor)
    dashboard_note_client_change(task.client_id)
    return task
