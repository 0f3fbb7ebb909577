"""The audit trail in words: "Maya Patel changed the due date of Task 'Send payroll
summary' from Dec 3 to Dec 8".

Events keep raw values (ids, codes, ISO dates; apps/audit/changes.py); this module names
the people, labels the fields and choices from the models themselves, formats dates and
money, and lists every before/after pair. Reading a page costs one query for the people and
one per kind of object named by ids, whatever the number of events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from apps.audit.models import AuditAction, AuditEvent

PEOPLE_ACTIONS = {
    "people.invitation_sent": "Invitation sent",
    "people.invitation_resent": "Invitation sent again",
    "people.invitation_revoked": "Invitation withdrawn",
    "people.invitation_accepted": "Invitation accepted",
    "people.invitation_refused": "Invitation refused",
    "people.portal_access_revoked": "Portal access removed",
    "people.thread_assigned": "Conversation assigned",
    "people.proposal_sent": "Proposal sent",
    "people.proposal_signed": "Proposal signed",
    "people.proposal_withdrawn": "Proposal withdrawn",
}
# Every action the trail can hold, with its label (filters, CSV, sentences).
ACTION_LABELS: dict[str, str] = {**dict(AuditAction.choices), **PEOPLE_ACTIONS}

# What the sentence says after the person's name, per action.
ACTION_VERBS = {
    AuditAction.SIGN_IN: "signed in",
    AuditAction.SIGN_IN_FAILED: "failed to sign in",
    AuditAction.SIGN_OUT: "signed out",
    AuditAction.LOCKED_OUT: "was locked out after repeated failures",
    AuditAction.RISK_LOCKED: "was locked after a critical-risk sign-in",
    AuditAction.RISK_STEP_UP: "was asked for a second step after a risky sign-in",
    AuditAction.UNLOCKED: "unlocked",
    AuditAction.PASSWORD_CHANGED: "changed their password",
    AuditAction.EMAIL_CHANGED: "changed their email address",
    AuditAction.SESSION_EXPIRED: "was signed out (session expired)",
    AuditAction.MFA_ENROLLED: "turned on two-step sign-in",
    AuditAction.MFA_VERIFIED: "confirmed a two-step sign-in code",
    AuditAction.MFA_FAILED: "entered a wrong two-step sign-in code",
    AuditAction.MFA_BACKUP_USED: "used a backup code",
    AuditAction.MFA_BACKUP_REGENERATED: "made new backup codes",
    AuditAction.MFA_REMOVED: "turned off two-step sign-in",
    AuditAction.PERMISSION_DENIED: "was refused access",
    AuditAction.ROLE_CHANGED: "changed the role of",
    AuditAction.MEMBER_ADDED: "added",
    AuditAction.MEMBER_DEACTIVATED: "deactivated",
    AuditAction.SENSITIVE_REVEALED: "revealed a sensitive field of",
    AuditAction.DOCUMENT_DOWNLOADED: "downloaded",
    AuditAction.EXPORTED: "exported data",
    AuditAction.API_KEY_CREATED: "created",
    AuditAction.API_KEY_REVOKED: "revoked",
    AuditAction.RECORD_CREATED: "created",
    AuditAction.RECORD_DELETED: "deleted",
    "people.invitation_sent": "invited someone with",
    "people.invitation_resent": "sent again",
    "people.invitation_revoked": "withdrew",
    "people.invitation_accepted": "accepted",
    "people.invitation_refused": "refused",
    "people.portal_access_revoked": "removed the portal access of",
    "people.thread_assigned": "assigned",
    "people.proposal_sent": "sent",
    "people.proposal_signed": "signed",
    "people.proposal_withdrawn": "withdrew",
}
# Named changes recorded with "change" (invoices, integrations, work).
CHANGE_VERBS = {
    "sent": "sent", "voided": "voided", "overdue": "marked overdue",
    "payment_recorded": "recorded a payment on", "refunded": "refunded a payment on",
    "quickbooks.connected": "connected QuickBooks:", "quickbooks.disconnected":
        "disconnected QuickBooks:", "webhook.created": "added", "webhook.enabled":
        "switched on", "webhook.deleted": "deleted", "webhook.disabled": "switched off",
    "webhook.redelivered": "sent again", "work.stage_override": "moved past required steps",
}
# Objects the trail can be filtered by (target types), in the words of the filter.
OBJECT_KINDS = {
    "portal.client": "Clients", "portal.engagement": "Engagements", "portal.task": "Tasks",
    "documents.document": "Documents", "billing.invoice": "Invoices",
    "portal.clientaccess": "Portal access", "firms.firm": "Firm settings",
    "accounts.user": "People", "security.apikey": "API keys",
    "people.invitation": "Invitations", "people.proposal": "Proposals",
    "work.job": "Jobs", "integrations.webhookendpoint": "Webhooks",
}
MONEY_FIELDS = {"fee", "total", "balance", "annual_revenue", "amount_refunded", "amount",
                "subtotal", "tax", "amount_paid"}
NOISE_KEYS = {"change", "object", "before", "after", "number"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass
class AuditRow:
    event: AuditEvent
    actor: str
    sentence: str
    changes: list[Change] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    # "task", "client": set when the trail can be filtered by this object (its history).
    object_kind: str = ""

    @property
    def when(self) -> datetime:
        return self.event.created_at

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.event.action, humanize(self.event.action))


def humanize(code: str) -> str:
    """`payment_recorded` / `work.stage_override` -> "payment recorded" / "stage override"."""
    return str(code).rsplit(".", 1)[-1].replace("_", " ").strip()


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _date(value: date) -> str:
    return f"{value:%b} {value.day}" + ("" if value.year == timezone.localdate().year
                                        else f", {value.year}")


def money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


class _Names:
    """People and objects named by id on one page, each kind loaded in one query."""

    def __init__(self, events: list[AuditEvent]) -> None:
        from apps.accounts.models import User

        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        user_ids = {e.actor_id for e in events if e.actor_id}
        for event in events:
            model = _model(event.target_type)
            if model is not None and event.target_id:
                wanted[model].add(event.target_id)
            for side in ("before", "after"):
                values = (event.details or {}).get(side)
                if not isinstance(values, dict):
                    continue
                for name, raw in values.items():
                    target = _field(model, name)
                    if isinstance(target, models.ForeignKey) and raw not in (None, ""):
                        wanted[target.related_model].add(raw)
        wanted[User] |= user_ids
        self.labels: dict[tuple[type[models.Model], str], str] = {}
        for model, ids in wanted.items():
            ids = {i for i in ids if str(i).isdigit()}
            for obj in model._default_manager.filter(pk__in=ids):
                label = (obj.get_full_name() or obj.email) if model is User else str(obj)
                self.labels[(model, str(obj.pk))] = label
        self.user_model = User

    def person(self, user_id: Any, email: str = "") -> str:
        if not user_id:
            return email or "The system"
        return self.labels.get((self.user_model, str(user_id))) or email or "A former member"

    def of(self, model: type[models.Model], pk: Any) -> str | None:
        return self.labels.get((model, str(pk)))


def _value(model, name: str, raw: Any, names: _Names) -> str:
    if raw is None or raw == "":
        return "nothing"
    target = _field(model, name)
    if target is not None and target.choices:
        return str(dict(target.flatchoices).get(raw, raw))
    if isinstance(target, models.ForeignKey):
        if target.related_model is names.user_model:
            return names.person(raw)
        return names.of(target.related_model, raw) or f"#{raw}"
    if isinstance(raw, bool):
        return "on" if raw else "off"
    if isinstance(target, models.DateField) and not isinstance(target, models.DateTimeField):
        try:
            return _date(date.fromisoformat(str(raw)))
        except ValueError:
            return str(raw)
    if name in MONEY_FIELDS:
        return money(raw)
    return str(raw)


def _label(model, name: str) -> str:
    target = _field(model, name)
    return str(target.verbose_name) if target is not None else humanize(name)


def _object(event: AuditEvent, model, names: _Names) -> str:
    details = event.details or {}
    kind = (str(model._meta.verbose_name).capitalize() if model is not None
            else humanize(event.target_type).capitalize())
    if model is names.user_model:
        return names.person(event.target_id)
    label = details.get("object") or details.get("number")
    if model is not None and event.target_id:
        label = label or names.of(model, event.target_id)
    if not event.target_type:
        return ""
    return f"{kind} '{label}'" if label else f"{kind} #{event.target_id}"


def _note_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{humanize(k)}: {_note_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_note_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _row(event: AuditEvent, names: _Names) -> AuditRow:
    details = event.details if isinstance(event.details, dict) else {}
    model = _model(event.target_type)
    actor = names.person(event.actor_id, event.actor_email)
    obj = _object(event, model, names)
    before = details.get("before") if isinstance(details.get("before"), dict) else {}
    after = details.get("after") if isinstance(details.get("after"), dict) else {}
    changes: list[Change] = []
    if event.action == AuditAction.RECORD_CREATED:
        changes = [Change(_label(model, k), "", _value(model, k, v, names))
                   for k, v in after.items() if v not in (None, "")]
    elif event.action == AuditAction.RECORD_DELETED:
        changes = [Change(_label(model, k), _value(model, k, v, names), "")
                   for k, v in before.items() if v not in (None, "")]
    else:
        changes = [Change(_label(model, k), _value(model, k, before.get(k), names),
                          _value(model, k, after.get(k), names))
                   for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    change = details.get("change", "")
    if event.action == AuditAction.RECORD_CHANGED and change in ("", "changed"):
        if len(changes) == 1:
            only = changes[0]
            if only.before == "nothing":
                sentence = f"{actor} set the {only.field} of {obj} to {only.after}"
            elif only.after == "nothing":
                sentence = f"{actor} cleared the {only.field} of {obj} (was {only.before})"
            else:
                sentence = (f"{actor} changed the {only.field} of {obj} from {only.before} "
                            f"to {only.after}")
        else:
            fields = [c.field for c in changes]
            listed = (", ".join(fields[:-1]) + " and " + fields[-1]) if len(fields) > 1 \
                else "the details"
            sentence = f"{actor} changed the {listed} of {obj}"
    elif event.action == AuditAction.RECORD_CHANGED:
        verb = CHANGE_VERBS.get(change, f"changed ({humanize(change)})")
        sentence = f"{actor} {verb} {obj}" if change != "created" else f"{actor} created {obj}"
    else:
        verb = ACTION_VERBS.get(event.action)
        if verb is None:
            sentence = f"{actor}: {ACTION_LABELS.get(event.action, humanize(event.action))}"
        else:
            sentence = f"{actor} {verb}"
        # "Olivia Grant signed in", not "... signed in Olivia Grant".
        if obj and not (model is names.user_model and event.target_id == str(event.actor_id)):
            sentence += f" {obj}"
    notes = [(humanize(k).capitalize(), _note_value(v)) for k, v in details.items()
             if k not in NOISE_KEYS]
    if event.action == AuditAction.PERMISSION_DENIED and "permission" in details:
        from apps.accounts.roles import Perm

        labels = dict(Perm.choices)
        notes = [(k, labels.get(details["permission"], v) if k == "Permission" else v)
                 for k, v in notes]
    kind = (str(model._meta.verbose_name) if model is not None and event.target_id
            and event.target_type in OBJECT_KINDS else "")
    return AuditRow(event=event, actor=actor, sentence=sentence.strip(), changes=changes,
                    notes=notes, object_kind=kind)


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Each event as a sentence with its before/after pairs, for one page of the trail."""
    events = list(events)
    names = _Names(events)
    return [_row(event, names) for event in events]
