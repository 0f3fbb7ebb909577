"""Audit actions of this app, recorded in the firm's own hash-chained trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.audit.services import audit_record

INVITATION_SENT = "people.invitation_sent"
INVITATION_RESENT = "people.invitation_resent"
INVITATION_REVOKED = "people.invitation_revoked"
INVITATION_ACCEPTED = "people.invitation_accepted"
INVITATION_REFUSED = "people.invitation_refused"
PORTAL_ACCESS_REVOKED = "people.portal_access_revoked"
THREAD_ASSIGNED = "people.thread_assigned"
PROPOSAL_SENT = "people.proposal_sent"
PROPOSAL_SIGNED = "people.proposal_signed"
PROPOSAL_WITHDRAWN = "people.proposal_withdrawn"


def people_audit(action: str, *, request: HttpRequest | None = None, actor=None,
                 target: Any = None, details: dict | None = None) -> None:
    audit_record(action=action, request=request, actor=actor, target=target,
                 details=details or {})
