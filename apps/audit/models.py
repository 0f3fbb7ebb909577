"""The audit trail: append-only and chained by keyed seals, one per firm schema plus the
platform's.

The app is in both SHARED_APPS and TENANT_APPS, so `audit_auditevent` exists in `public`
(the platform's log) and in every firm's schema (that firm's log); which one a write lands
in follows the connection's schema.

Writers only INSERT (no lock, the id comes from a sequence); a short sealing step
(services.audit_chain_seal, after commit and from beat) then gives each new row, in order,
its position in the chain, the previous row's seal and its own HMAC seal (apps/audit/
chain.py). Anchors record the chain's head, signed, in `audit_auditanchor` and outside the
database, so removing the newest rows shows too. The application's database role may
INSERT rows and fill the seal columns of an unsealed row once; it may not UPDATE, DELETE or
TRUNCATE otherwise, nor switch the triggers off (it does not own the tables; migrations
0004). `manage.py verify_audit_chain` reports the first broken link or a truncation.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class AuditAction(models.TextChoices):
    SIGN_IN = "auth.sign_in", "Signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    SIGN_OUT = "auth.sign_out", "Signed out"
    LOCKED_OUT = "auth.locked_out", "Locked out after failures"
    RISK_LOCKED = "auth.risk_locked", "Locked after a critical-risk sign-in"
    RISK_STEP_UP = "auth.risk_step_up", "Risky sign-in: MFA step-up required"
    UNLOCKED = "auth.unlocked", "Account unlocked"
    PASSWORD_CHANGED = "auth.password_changed", "Password changed"
    EMAIL_CHANGED = "auth.email_changed", "Email changed"
    SESSION_EXPIRED = "auth.session_expired", "Session expired"
    MFA_ENROLLED = "mfa.enrolled", "MFA enrolled"
    MFA_VERIFIED = "mfa.verified", "MFA verified"
    MFA_FAILED = "mfa.failed", "MFA code rejected"
    MFA_BACKUP_USED = "mfa.backup_used", "MFA backup code used"
    MFA_BACKUP_REGENERATED = "mfa.backup_regenerated", "MFA backup codes regenerated"
    MFA_REMOVED = "mfa.removed", "MFA removed"
    PERMISSION_DENIED = "access.denied", "Permission denied"
    ROLE_CHANGED = "access.role_changed", "Role changed"
    MEMBER_ADDED = "access.member_added", "Member added"
    MEMBER_DEACTIVATED = "access.member_deactivated", "Member deactivated"
    SENSITIVE_REVEALED = "data.revealed", "Sensitive field revealed"
    RECORD_CHANGED = "data.changed", "Record changed"
    DOCUMENT_DOWNLOADED = "data.downloaded", "Document downloaded"
    EXPORTED = "data.exported", "Data exported"
    API_KEY_CREATED = "api.key_created", "API key created"
    API_KEY_REVOKED = "api.key_revoked", "API key revoked"
    RECORD_CREATED = "data.created", "Record created"
    RECORD_DELETED = "data.deleted", "Record deleted"
    PORTAL_PREVIEW_STARTED = "portal.preview_started", "Portal preview started"
    PORTAL_PREVIEW_STOPPED = "portal.preview_stopped", "Portal preview stopped"


class AuditEvent(models.Model):
    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    # Users live in the public schema; a firm's log keeps the id and a snapshot of the
    # email rather than a cross-schema foreign key.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_email = models.CharField(max_length=254, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # The seal, set once by the sealer; empty while the row waits to be sealed.
    chain_seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["action", "created_at"], name="audit_action_created"),
            # The sealer's queue: only unsealed rows are in it, so it stays tiny.
            models.Index(fields=["id"], name="audit_unsealed",
                         condition=Q(chain_seq__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_email or '-'}"

    @property
    def sealed(self) -> bool:
        return self.chain_seq is not None


class AuditAnchor(models.Model):
    """The chain's head at a moment, signed with the chain key. INSERT-only for the
    application's role; a copy goes outside the database (apps/audit/anchors.py)."""

    created_at = models.DateTimeField()
    chain_seq = models.BigIntegerField()  # sealed events in the chain then (0: none)
    head_hash = models.CharField(max_length=64)
    # Anchors name their schema's identity, so a copy kept outside the database applies to
    # this schema only, not to an earlier one of the same name.
    schema_oid = models.BigIntegerField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"anchor at {self.chain_seq} ({self.created_at:%Y-%m-%d %H:%M:%S})"
