"""Files holding several forms ("all my W-2s and 1099s" in one PDF) become one document
per form.

Every page is classified on its own; consecutive pages stay together when they continue
the same form (a 3-page bank statement, an invoice's second page, a page too weak to say
what it is), and a new form starts where a page is a different type, or a one-page tax
form (W-2, 1099, 1098, K-1) whose title appears again. A file splits when that gives at
least two parts and one of them is a known type. Each part is then classified and read
on its own pages only, so a W-2's year can no longer come from the 1098 after it.

Pages are what `Document.text` separates with form feeds: PDF pages for text PDFs, page
images for scans and multi-page TIFFs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.documents.classify import classify
from apps.documents.models import DocType, Document

PAGE_BREAK = "\f"
# One page each: the same title on the next page is the next form, not a continuation.
ONE_PAGE_FORMS = frozenset({DocType.W2, DocType.F1099_NEC, DocType.F1099_MISC,
                            DocType.F1099_INT, DocType.F1099_DIV, DocType.F1098, DocType.K1})
# A title phrase weighs 4 in classify.RULES: a page scoring this much starts a form.
TITLE_SCORE = 4.0


@dataclass
class Part:
    page_from: int  # 1-based, inclusive
    page_to: int
    doc_type: str

    @property
    def pages(self) -> str:
        if self.page_from == self.page_to:
            return f"page {self.page_from}"
        return f"pages {self.page_from}-{self.page_to}"


def page_texts(text: str) -> list[str]:
    return [page.strip("\n") for page in text.split(PAGE_BREAK)]


def pages_text(text: str, page_from: int, page_to: int) -> str:
    """The text of pages page_from..page_to (1-based, inclusive) of a document's text."""
    return f"\n{PAGE_BREAK}\n".join(page_texts(text)[page_from - 1:page_to])


def split_parts(pages: list[str]) -> list[Part]:
    """The forms in a file, in page order; [] when it is one form (or one page)."""
    if len(pages) < 2:
        return []
    parts: list[Part] = []
    for number, text in enumerate(pages, start=1):
        found = classify(text)
        kind = found.doc_type
        if parts:
            current = parts[-1]
            continues = (kind == DocType.OTHER or (
                kind == current.doc_type and not (
                    kind in ONE_PAGE_FORMS and found.scores.get(kind, 0) >= TITLE_SCORE)))
            if continues:
                current.page_to = number
                continue
        parts.append(Part(number, number, kind))
    if len(parts) < 2 or all(part.doc_type == DocType.OTHER for part in parts):
        return []
    return parts


def part_file_name(parent_name: str, part: Part) -> str:
    return f"{parent_name} ({part.pages})"[-255:]


@transaction.atomic
def parts_record(*, parent: Document, parts: list[tuple[Part, dict]]) -> list[Document]:
    """Create or update the documents of a split file (one per part, keyed by parent and
    page range, so a redelivered or retried run finds them again) and retire parts of an
    earlier split that no longer exist. `parts` pairs each Part with the columns its own
    analysis produced (status, doc_type, fields ...). Called inside the parent's write."""
    now = timezone.now()
    kept: list[Document] = []
    for part, columns in parts:
        child, _ = Document.objects.update_or_create(
            parent=parent, page_from=part.page_from, page_to=part.page_to,
            defaults={
                "client_id": parent.client_id, "file": parent.file.name,
                "file_name": part_file_name(parent.file_name, part),
                "content_type": parent.content_type, "uploaded_by_id": parent.uploaded_by_id,
                "priority": parent.priority, "size_bytes": 0, "sha256": "",
                "queued_at": parent.queued_at, "processing_started_at":
                    parent.processing_started_at, "processed_at": now, "attempts": 1,
                "deleted_at": None, "worked_at": None, **columns,
            })
        kept.append(child)
    (Document.objects.filter(parent=parent, deleted_at__isnull=True)
     .exclude(pk__in=[child.pk for child in kept]).update(deleted_at=now))
    return kept
