"""The audit trail: append-only and hash-chained, one per firm schema plus the platform's.

The app is in both SHARED_APPS and TENANT_APPS, so `audit_auditevent` exists in `public`
(the platform's log) and in every firm's schema (that firm's log); which one a write lands
in follows the connection's schema. Triggers created by the migration reject UPDATE,
DELETE and TRUNCATE, and each row's hash covers the previous row's hash, so an altered or
removed row breaks the chain (`manage.py verify_audit_chain`).
"""

from __future__ import annotations

from django.db import models


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
    RECORD_CHANGED = "data.changed", "Sensitive record changed"
    DOCUMENT_DOWNLOADED = "data.downloaded", "Document downloaded"
    EXPORTED = "data.exported", "Data exported"
    API_KEY_CREATED = "api.key_created", "API key created"
    API_KEY_REVOKED = "api.key_revoked", "API key revoked"


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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["action", "created_at"], name="audit_action_created")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_email or '-'}"
