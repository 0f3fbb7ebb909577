"""People and conversations, in the firm's schema: invitations, message threads.

Users and memberships live in `public`; rows here point at them by id without a database
constraint (as apps.portal does), so deleting a user never touches every firm's schema.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.accounts.roles import Role


def user_fk(related_name: str = "+", **extra) -> models.ForeignKey:
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name=related_name, **extra)


class Invitation(models.Model):
    """An invitation to join the firm as staff, or as a portal user of one client.

    The link carries a signed (firm, invitation, nonce) triple; resending draws a new
    nonce, so only the newest link works. Single use: accepting flips the status.
    """

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        CLIENT = "client", "Client portal"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    email = models.EmailField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    role = models.CharField(max_length=32, choices=Role.choices)
    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    nonce = models.CharField(max_length=32)
    expires_at = models.DateTimeField()
    invited_by = user_fk(null=True, blank=True)
    accepted_by = user_fk(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveSmallIntegerField(default=1)
    last_sent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="invitation_one_pending_staff",
                                    condition=models.Q(status="pending", kind="staff")),
            models.UniqueConstraint(fields=["email", "client"],
                                    name="invitation_one_pending_per_client",
                                    condition=models.Q(status="pending", kind="client")),
            models.CheckConstraint(
                condition=models.Q(kind="staff", client__isnull=True)
                | models.Q(kind="client", client__isnull=False),
                name="invitation_client_iff_client_kind"),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="invitation_status_kind")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.status})"
