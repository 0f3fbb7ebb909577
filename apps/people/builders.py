"""Firms build their own organizer and proposal templates: create, copy, edit.

An organizer template is edited as a flat list of questions, each naming its section
(consecutive questions with the same section name form one section), so the page is a
plain form that works on any device. Conditions may only name an EARLIER yes/no or
choice question and one of its answers, which keeps every organizer answerable top to
bottom. Sent organizers and proposals keep their own copy of what they were built
from, so editing a template never changes anything a client already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from apps.people.models_organizers import OrganizerTemplate, QuestionKind
from apps.people.models_proposals import ProposalTemplate
from apps.people.proposals import LineInput, terms_and_lines_clean

MAX_QUESTIONS = 150
CONDITION_KINDS = (QuestionKind.YES_NO, QuestionKind.CHOICE)


@dataclass
class QuestionInput:
    label: str
    kind: str
    section: str = ""
    required: bool = True
    choices: str = ""  # one per line
    show_if: str = ""  # the key of an earlier question
    equals: str = ""
    document_label: str = ""  # a "yes" asks the client for this document
    key: str = ""  # kept for questions that already exist


def _plain(value: str, limit: int) -> str | None:
    value = (value or "").strip()
    return value if value and len(value) <= limit and "\x00" not in value else None


def _new_key(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", slugify(label)).strip("_")[:40] or "question"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _question(row: QuestionInput, earlier: dict[str, dict], taken: set[str],
              errors: dict[str, str], index: int) -> dict:
    def refuse(field: str, message: str) -> None:
        errors.setdefault(f"questions-{index}-{field}", message)

    label = _plain(row.label, 500)
    if label is None:
        refuse("label", "Write the question (up to 500 characters).")
    if row.kind not in QuestionKind.values:
        refuse("kind", "Choose what kind of answer this question takes.")
    key = row.key if row.key and row.key not in taken else _new_key(label or "", taken)
    taken.add(key)
    question: dict = {"key": key, "label": label or "", "kind": row.kind,
                      "required": bool(row.required)}
    if row.kind == QuestionKind.CHOICE:
        choices = list(dict.fromkeys(c.strip() for c in (row.choices or "").splitlines()
                                     if c.strip()))
        if len(choices) < 2 or any(len(c) > 200 or "\x00" in c for c in choices):
            refuse("choices", "Give at least two options, one per line.")
        question["choices"] = choices
    if row.show_if:
        target = earlier.get(row.show_if)
        if target is None:
            refuse("show_if", "A condition can only name a question above this one.")
        elif target["kind"] not in CONDITION_KINDS:
            refuse("show_if", "A condition can only name a yes/no or choice question.")
        else:
            allowed = ["yes", "no"] if target["kind"] == QuestionKind.YES_NO \
                else target.get("choices", [])
            if row.equals not in allowed:
                refuse("equals", "Choose one of that question's answers: "
                                 + ", ".join(allowed) + ".")
            question["show_if"] = {"question": row.show_if, "equals": row.equals}
    if (row.document_label or "").strip():
        document = _plain(row.document_label, 150)
        if row.kind != QuestionKind.YES_NO:
            refuse("document_label", "Only a yes/no question can ask for a document "
                                     "(when the answer is yes).")
        elif document is None:
            refuse("document_label", "Name the document in up to 150 characters.")
        else:
            question["requests_document"] = {"label": document, "when": "yes"}
    earlier[key] = question
    return question


def organizer_definition_build(rows: list[QuestionInput]) -> list[dict]:
    """Sections of questions from the rows, in order; every problem is reported against
    its row and field (`questions-<n>-<field>`), all at once."""
    errors: dict[str, str] = {}
    if not rows:
        errors["questions"] = "Add at least one question."
    if len(rows) > MAX_QUESTIONS:
        errors["questions"] = f"An organizer holds at most {MAX_QUESTIONS} questions."
    sections: list[dict] = []
    earlier: dict[str, dict] = {}
    taken: set[str] = set()
    for index, row in enumerate(rows):
        title = (row.section or "").strip() or (sections[-1]["title"] if sections
                                                 else "Questions")
        if len(title) > 200 or "\x00" in title:
            errors.setdefault(f"questions-{index}-section", "Keep a section name under "
                                                            "200 characters.")
        question = _question(row, earlier, taken, errors, index)
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "questions": []})
        sections[-1]["questions"].append(question)
    if errors:
        raise ValidationError(errors)
    return sections


def definition_rows(definition: list[dict]) -> list[dict]:
    """A definition as the editor's rows (the inverse of organizer_definition_build)."""
    return [{"key": q["key"], "section": section["title"], "label": q["label"],
             "kind": q["kind"], "required": q.get("required", True),
             "choices": "\n".join(q.get("choices", [])),
             "show_if": (q.get("show_if") or {}).get("question", ""),
             "equals": (q.get("show_if") or {}).get("equals", ""),
             "document_label": (q.get("requests_document") or {}).get("label", "")}
            for section in definition for q in section.get("questions", [])]


def _name(name: str) -> str:
    clean = _plain(name, 200)
    if clean is None:
        raise ValidationError({"name": "Give the template a name (up to 200 characters)."})
    return clean


@transaction.atomic
def organizer_template_save(*, name: str, description: str = "",
                            rows: list[QuestionInput],
                            template: OrganizerTemplate | None = None) -> OrganizerTemplate:
    """Create (no `template`) or change a template. Organizers already sent keep their
    own copy of the questions, so a change reaches only organizers sent from now on."""
    errors: dict[str, list[str]] = {}
    try:
        name = _name(name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        definition = organizer_definition_build(rows)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "\x00" in (description or ""):
        errors["description"] = ["The description contains characters that cannot be stored."]
    if errors:
        raise ValidationError(errors)
    template = template or OrganizerTemplate()
    template.name, template.description = name, (description or "").strip()[:2000]
    template.definition = definition
    template.save()
    return template


@transaction.atomic
def organizer_template_copy(*, template: OrganizerTemplate) -> OrganizerTemplate:
    return OrganizerTemplate.objects.create(name=f"Copy of {template.name}"[:200],
                                            description=template.description,
                                            definition=template.definition)


@transaction.atomic
def proposal_template_save(*, name: str, terms: str, lines: list[LineInput],
                           introduction: str = "", template: ProposalTemplate | None = None
                           ) -> ProposalTemplate:
    """Create or change a proposal template (services with fixed, recurring or hourly
    fees, and terms). Proposals already made keep their own copy of lines and terms."""
    errors: dict[str, list[str]] = {}
    try:
        name = _name(name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    clean = terms_and_lines_clean(terms=terms, introduction=introduction, lines=lines,
                                  errors=errors)
    template = template or ProposalTemplate()
    template.name, template.terms = name, terms.strip()
    template.introduction = (introduction or "").strip()
    template.lines = [{"service": line.service, "description": line.description,
                       "fee_type": line.fee_type, "amount": f"{line.amount:.2f}",
                       "frequency": line.frequency, "engagement_type": line.engagement_type}
                      for line in clean]
    template.save()
    return template


@transaction.atomic
def proposal_template_copy(*, template: ProposalTemplate) -> ProposalTemplate:
    return ProposalTemplate.objects.create(
        name=f"Copy of {template.name}"[:200], introduction=template.introduction,
        terms=template.terms, lines=template.lines)
