"""Organizers and questionnaires (firm schema).

A template's `definition` is a list of sections, each {"title", "questions": [...]}, and a
question is {"key", "label", "kind", "required", "choices", "show_if": {"question",
"equals"}, "requests_document": {"label", "when"}}. A sent organizer copies the definition,
so editing a template never changes what a client is answering.
"""

from __future__ import annotations

from django.db import models

from apps.people.models import user_fk


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", "Yes or no"
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    FILE = "file", "File upload"


class OrganizerTemplate(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    definition = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Organizer(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", "Waiting for answers"
        IN_PROGRESS = "in_progress", "Partly answered"
        SUBMITTED = "submitted", "Answered"

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    sent_by = user_fk(null=True, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["client", "status"], name="organizer_client_status")]

    def __str__(self) -> str:
        return self.title


class OrganizerAnswer(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=60)
    value = models.TextField(blank=True)
    document = models.ForeignKey("documents.Document", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    # The document request this answer created (so saving again never asks twice).
    document_request = models.ForeignKey("documents.DocumentRequest", on_delete=models.SET_NULL,
                                         null=True, blank=True, related_name="+")
    answered_by = user_fk(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organizer", "question_key"],
                                               name="organizer_answer_once")]

    def __str__(self) -> str:
        return f"{self.question_key} of organizer {self.organizer_id}"
