"""Organizers: send one to a client, save answers as they come, submit when complete.

Conditions: a question with `show_if` is asked only while the named question has that
answer; hidden questions are neither required nor kept (their answers are cleared, so a
changed mind leaves no stale answers behind). A yes/no question with `requests_document`
creates one document request (apps.documents) the first time it is answered that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.documents.models import Document
from apps.documents.requests import RequestLine, document_request_create
from apps.documents.services import documents_upload
from apps.people.models import Notification
from apps.people.models_organizers import (
    Organizer,
    OrganizerAnswer,
    OrganizerTemplate,
    QuestionKind,
)
from apps.people.notifications import notify
from apps.portal.models import Client, ClientAccess

REQUEST_DAYS = 21


def questions(definition: list[dict]) -> Iterator[dict]:
    for section in definition:
        yield from section.get("questions", [])


def visible_keys(definition: list[dict], answers: dict[str, str]) -> set[str]:
    """Questions asked given these answers (conditions may chain, in order)."""
    shown: set[str] = set()
    for question in questions(definition):
        rule = question.get("show_if")
        if rule is None or (rule["question"] in shown
                            and answers.get(rule["question"]) == rule["equals"]):
            shown.add(question["key"])
    return shown


def answers_of(organizer: Organizer) -> dict[str, OrganizerAnswer]:
    return {a.question_key: a for a in organizer.answers.all()}


def completion(organizer: Organizer, answers: dict[str, OrganizerAnswer] | None = None
               ) -> tuple[int, int]:
    """(answered, asked) over the required questions currently asked."""
    answers = answers if answers is not None else answers_of(organizer)
    values = {k: a.value for k, a in answers.items()}
    shown = visible_keys(organizer.definition, values)
    required = [q["key"] for q in questions(organizer.definition)
                if q["key"] in shown and q.get("required", True)]
    done = sum(1 for key in required if values.get(key) not in (None, ""))
    return done, len(required)


def _clean(question: dict, raw: str) -> str:
    raw = (raw or "").strip()
    if "\x00" in raw:
        raise ValueError("This answer contains characters that cannot be stored.")
    if raw == "":
        return ""
    kind = question["kind"]
    if kind == QuestionKind.YES_NO and raw not in ("yes", "no"):
        raise ValueError("Answer yes or no.")
    if kind == QuestionKind.CHOICE and raw not in question.get("choices", []):
        raise ValueError("Choose one of the options.")
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError("Enter a number.") from exc
        if not number.is_finite() or abs(number) >= 10**12:
            raise ValueError("Enter a number.")
        return str(number)
    if kind == QuestionKind.DATE:
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError as exc:
            raise ValueError("Enter a date as YYYY-MM-DD.") from exc
    if len(raw) > 5000:
        raise ValueError("Keep the answer under 5,000 characters.")
    return raw


@transaction.atomic
def organizer_send(*, client: Client, template: OrganizerTemplate, by: User) -> Organizer:
    organizer = Organizer.objects.create(client=client, title=template.name,
                                         definition=template.definition, sent_by=by)
    users = ClientAccess.objects.filter(client=client).values_list("user_id", flat=True)
    notify(user_ids=list(users), kind=Notification.Kind.ORGANIZER_SENT,
           title=f"Please answer “{template.name}”",
           url=reverse("portal_people:organizer", args=[client.pk, organizer.pk]))
    return organizer


@transaction.atomic
def organizer_save(*, organizer: Organizer, user: User, values: dict[str, str],
                   files: dict[str, UploadedFile] | None = None) -> Organizer:
    """Save the answers given (others stay as they were). All or nothing: one bad answer
    refuses the save with a message on that question, and nothing stored is lost."""
    organizer = Organizer.objects.select_for_update(of=("self",)).select_related(
        "client").get(pk=organizer.pk)
    if organizer.status == Organizer.Status.SUBMITTED:
        raise ValidationError({"organizer": "These answers were already sent to the firm."})
    files = files or {}
    stored = answers_of(organizer)
    merged = {k: a.value for k, a in stored.items()}
    errors: dict[str, str] = {}
    by_key = {q["key"]: q for q in questions(organizer.definition)}
    for key, raw in values.items():
        if key in by_key and by_key[key]["kind"] != QuestionKind.FILE:
            try:
                merged[key] = _clean(by_key[key], raw)
            except ValueError as exc:
                errors[key] = str(exc)
    if errors:
        raise ValidationError(errors)
    shown = visible_keys(organizer.definition, merged)
    for key, upload in files.items():
        if key in by_key and by_key[key]["kind"] == QuestionKind.FILE and key in shown:
            try:
                [document] = documents_upload(client=organizer.client, files=[upload],
                                              category=Document.Category.OTHER,
                                              uploaded_by_id=user.pk).documents
            except ValidationError as exc:
                raise ValidationError({key: exc.messages}) from exc
            merged[key] = document.file_name
            answer = _store(organizer, key, merged[key], user, stored)
            answer.document = document
            answer.save(update_fields=["document"])
    for key, question in by_key.items():
        value = merged.get(key, "") if key in shown else ""
        if key in stored or value:
            answer = _store(organizer, key, value, user, stored)
            _request_document(organizer, question, answer, user)
    organizer.status = Organizer.Status.IN_PROGRESS
    organizer.save(update_fields=["status"])
    return organizer


def _store(organizer: Organizer, key: str, value: str, user: User,
           stored: dict[str, OrganizerAnswer]) -> OrganizerAnswer:
    answer = stored.get(key)
    if answer is None:
        answer = OrganizerAnswer.objects.create(organizer=organizer, question_key=key,
                                                value=value, answered_by=user)
        stored[key] = answer
    elif answer.value != value:
        answer.value, answer.answered_by = value, user
        answer.save(update_fields=["value", "answered_by", "updated_at"])
    return answer


def _request_document(organizer: Organizer, question: dict, answer: OrganizerAnswer,
                      user: User) -> None:
    wants = question.get("requests_document")
    if not wants or answer.value != wants.get("when", "yes") or answer.document_request_id:
        return
    request = document_request_create(
        client=organizer.client, title=f"{organizer.title}: {wants['label']}",
        message=f"You told us in “{organizer.title}”: {question['label']} "
                f"{answer.value}. Please upload this here.",
        lines=[RequestLine(label=wants["label"],
                           due_date=timezone.localdate() + timedelta(days=REQUEST_DAYS))],
        created_by_id=organizer.sent_by_id)
    answer.document_request = request
    answer.save(update_fields=["document_request"])


@transaction.atomic
def organizer_submit(*, organizer: Organizer, user: User) -> Organizer:
    organizer = Organizer.objects.select_for_update(of=("self",)).select_related(
        "client").get(pk=organizer.pk)
    done, asked = completion(organizer)
    if done < asked:
        raise ValidationError({"organizer": f"Answer every question first ({done} of {asked} "
                                            "answered)."})
    if organizer.status != Organizer.Status.SUBMITTED:
        organizer.status = Organizer.Status.SUBMITTED
        organizer.submitted_at = timezone.now()
        organizer.save(update_fields=["status", "submitted_at"])
        if organizer.sent_by_id:
            notify(user_ids=[organizer.sent_by_id], kind=Notification.Kind.ORGANIZER_SUBMITTED,
                   title=f"{organizer.client.business_name} answered “{organizer.title}”",
                   url=reverse("people:organizer", args=[organizer.pk]))
    return organizer
