"""People and conversations, in the firm's schema: invitations, message threads.

Users and memberships live in `public`; rows here point at them by id without a database
constraint (as apps.portal does), so deleting a user never touches every firm's schema.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
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


class Thread(models.Model):
    """A conversation between the firm and one client. `job_id` names a job of the work
    app when one is linked (a plain id: that app is optional and lives apart)."""

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    job_id = models.PositiveBigIntegerField(null=True, blank=True)
    assigned_to = user_fk(null=True, blank=True)
    created_by = user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField()
    # The last email notice to each side: another message inside the quiet window sends
    # no second email (settings.MESSAGE_EMAIL_QUIET_MINUTES).
    client_emailed_at = models.DateTimeField(null=True, blank=True)
    staff_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-last_message_at"], name="thread_client_recent"),
            models.Index(fields=["assigned_to", "-last_message_at"], name="thread_assignee_recent"),
        ]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = user_fk(null=True, blank=True)
    # True when a staff member wrote it; False for the client's side.
    from_firm = models.BooleanField()
    body = models.TextField()
    # Attachments are the client's documents (uploaded through apps.documents).
    documents = models.ManyToManyField("documents.Document", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("body", config="english"), output_field=SearchVectorField(),
        db_persist=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at"], name="message_thread_created"),
            GinIndex(fields=["search_vector"], name="message_search"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in thread {self.thread_id}"


class ThreadRead(models.Model):
    """How far a person has read a thread: messages after `read_at` are unread for them."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    user = user_fk()
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="thread_read_once")]

    def __str__(self) -> str:
        return f"user {self.user_id} read thread {self.thread_id} to {self.read_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One entry of a person's notification centre. Titles name what happened and where
    ("New message from Maple Bakery LLC"), never the content itself."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "New message"
        DOCUMENT = "document", "Document uploaded"
        PROPOSAL_SENT = "proposal_sent", "Proposal to review"
        PROPOSAL_SIGNED = "proposal_signed", "Proposal signed"
        ORGANIZER_SENT = "organizer_sent", "Organizer to answer"
        ORGANIZER_SUBMITTED = "organizer_submitted", "Organizer answered"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        THREAD_ASSIGNED = "thread_assigned", "Conversation assigned to you"
        DOCUMENT_PROCESSED = "document_processed", "Document processed"
        REQUEST_DUE = "request_due", "Documents due soon"
        INVOICE_SENT = "invoice_sent", "New invoice"
        INVOICE_PAID = "invoice_paid", "Invoice paid"
        JOB_ASSIGNED = "job_assigned", "Job assigned to you"

    # No index of its own: notification_user_unread (user, read_at, -created_at) serves it.
    user = user_fk(db_index=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the daily digest has told the person about it (the digest is idempotent).
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"],
                                name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How a person wants to hear about things at this firm. No row: the defaults."""

    user = user_fk()
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    daily_digest = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="notification_pref_once")]

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"

class NotificationEvent(models.Model):
    """An event that has been announced: a task that runs twice (a redelivered message, a
    daily sweep that runs again) finds its key here and notifies nobody a second time."""

    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A constraint rather than unique=True: the same unique index (the target of
        # events.py's INSERT .. ON CONFLICT), without the LIKE-pattern index Django adds
        # for a unique text column, which nothing reads and every announcement wrote.
        constraints = [models.UniqueConstraint(fields=["key"], name="notification_event_key")]

    def __str__(self) -> str:
        return self.key


from apps.people.models_organizers import (  # noqa: E402,F401
    Organizer,
    OrganizerAnswer,
    OrganizerTemplate,
    QuestionKind,
)
from apps.people.models_proposals import FeeType, Proposal, ProposalLine, ProposalTemplate  # noqa: E402,F401
