"""Security records in the public schema: sign-in history (for risk scoring), per-firm API
keys and hashed backup codes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_otp.models import Device, ThrottlingMixin


class SignInRecord(models.Model):
    class Level(models.TextChoices):
        LOW = "low", "Low"
        RISKY = "risky", "Risky: MFA step-up"
        CRITICAL = "critical", "Critical: account locked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="sign_in_records")
    firm = models.ForeignKey("firms.Firm", null=True, blank=True, on_delete=models.CASCADE)
    attempted_email = models.CharField(max_length=254, blank=True)
    succeeded = models.BooleanField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    network = models.CharField(max_length=50, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    hour_utc = models.PositiveSmallIntegerField()
    risk_score = models.PositiveSmallIntegerField(default=0)
    risk_level = models.CharField(max_length=10, choices=Level.choices, default=Level.LOW)
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "succeeded", "created_at"], name="signin_user_ok_time"),
            models.Index(fields=["attempted_email", "created_at"], name="signin_email_time"),
            models.Index(fields=["firm", "created_at"], name="signin_firm_time"),
        ]

    def __str__(self) -> str:
        return f"{self.attempted_email} {self.created_at:%Y-%m-%d %H:%M} {self.risk_level}"


class ApiKey(models.Model):
    """A firm's key for integrators. Only a SHA-256 of the secret is stored: the secret is
    shown once, at creation. Keys carry a subset of the firm's permissions."""

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class BackupCodeDevice(ThrottlingMixin, Device):
    """A person's set of one-time backup codes (a django-otp device, so a code passes
    two-step sign-in like an authenticator). Each code is stored only as a keyed hash
    (apps/security/backup_codes.py) and deleted when used."""

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        from apps.security.backup_codes import backup_code_matches

        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        # Every code is compared (at most ten), so timing does not depend on which matched.
        match = None
        for code in self.codes.select_for_update():
            if backup_code_matches(str(token), code.code_hash) and match is None:
                match = code
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset()
        return True


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE,
                               related_name="codes")
    code_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"backup code of device {self.device_id}"


class EmailChangeRequest(models.Model):
    """A requested change of sign-in address, applied only when the link sent to the new
    address is opened (apps/security/services.py). Only a SHA-256 of the link's secret is
    stored; a request is used once, and a newer request replaces older open ones."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="email_change_requests")
    old_email = models.EmailField()
    new_email = models.EmailField()
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.old_email} -> {self.new_email}"


class UserSession(models.Model):
    """One signed-in browser of a person, for their "active sessions" list and revoke
    button. The session itself lives in Django's session store; this row only names it
    (written by SessionPolicyMiddleware when the session is first seen and every half
    minute of activity after that)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    firm = models.ForeignKey("firms.Firm", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "last_seen_at"], name="usersession_user_seen")]

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"
