"""Creating, changing and deleting records, in the audit trail with before and after values.

Services call these after their write, inside their transaction: `audit_created` and
`audit_deleted` keep the record's audited fields, `audit_changed` only the fields whose
value changed (nothing is recorded when none did). Values are kept as stored (ids, codes,
ISO dates); apps/audit/presenters.py turns them into words when the trail is read, so
a label changed later reads right in old events too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from apps.audit.models import AuditAction
from apps.audit.services import _jsonable, audit_record


def record_values(instance: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The stored values of `fields` (a foreign key as its id), JSON-ready."""
    meta = instance._meta
    return _jsonable({field.name: getattr(instance, field.attname)
                      for field in (meta.get_field(name) for name in fields)})


def _object_label(instance: Model) -> str:
    return str(instance)[:200]


def audit_created(*, instance: Model, fields: Iterable[str],
                  request: HttpRequest | None = None, actor=None) -> None:
    audit_record(action=AuditAction.RECORD_CREATED, request=request, actor=actor,
                 target=instance, details={"change": "created",
                                           "object": _object_label(instance),
                                           "after": record_values(instance, fields)})


def audit_changed(*, instance: Model, before: dict[str, Any],
                  request: HttpRequest | None = None, actor=None) -> bool:
    """Record what changed since `before` (from `record_values`); False when nothing did."""
    after = record_values(instance, before)
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return False
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=instance, details={"change": "changed",
                                           "object": _object_label(instance),
                                           "before": {name: before[name] for name in changed},
                                           "after": {name: after[name] for name in changed}})
    return True


def audit_deleted(*, instance: Model, fields: Iterable[str],
                  request: HttpRequest | None = None, actor=None) -> None:
    audit_record(action=AuditAction.RECORD_DELETED, request=request, actor=actor,
                 target=instance, details={"change": "deleted",
                                           "object": _object_label(instance),
                                           "before": record_values(instance, fields)})
