"""Outgoing mail of a firm (firm schema): one row per message, rendered when queued.

The row is what makes delivery idempotent: the task sends a row only while it is queued,
under a row lock, so a duplicate or late task message never sends it twice.
"""

from __future__ import annotations

from django.db import models


class OutgoingMail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    text_body = models.TextField()
    html_body = models.TextField()
    # What the mail is about ("invitation", "message_notice", ...), for support and counts.
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="mail_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}: {self.status}"
