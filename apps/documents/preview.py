"""The review preview: page images of a document and where each field was read on them.

Page images are JPEGs in document storage, named by the content hash under the firm's
folder (the same bytes are rendered once per firm):
- a scan keeps the pages exactly as OCR read them (stored by the pipeline), so the boxes
  OCR gave match the picture;
- a text PDF is rendered on its first view by PDFium, with its text runs' boxes, and an
  image not (yet) read by OCR is shown as it is (no boxes); both in the isolated parser
  child (apps/documents/parsing.py), since the file is untrusted.
The layout is then kept (DocumentLayout), so later views only read it.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection

from apps.documents.layout import Location, field_kind, locate_fields
from apps.documents.models import Document, DocumentLayout, documents_storage
from apps.documents.parsing import PREVIEW_WIDTH, PageImage, ParseError, parse_isolated
from apps.documents.sniffing import IMAGE_KINDS

log = logging.getLogger(__name__)

JPEG_QUALITY = 70
# The first view of a text PDF renders it in the parser child: bounded like a parse.
RENDER_SECONDS = 20
RENDER_MEMORY_MB = 1024


def _render_memory_mb() -> int:
    """The child inherits the web process's address space (RLIMIT_AS counts it): it gets
    RENDER_MEMORY_MB beyond what it starts with."""
    import os

    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return RENDER_MEMORY_MB
    return RENDER_MEMORY_MB + pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)


def _preview_folder(document_key: str) -> str:
    return f"firms/{connection.schema_name}/previews/{document_key}"


def _document_key(document: Document) -> str:
    return document.sha256 or f"document-{document.pk}"


def page_jpeg(image: PageImage) -> bytes:
    """A page image as a JPEG at most PREVIEW_WIDTH wide (boxes scale with the SVG)."""
    picture = image.to_pil()
    if picture.width > PREVIEW_WIDTH:
        picture = picture.resize((PREVIEW_WIDTH,
                                  max(1, round(picture.height * PREVIEW_WIDTH / picture.width))))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _store_images(images: list[PageImage], *, key: str, prefix: str) -> list[str]:
    """Each page as a JPEG in storage; "" for a page that could not be stored (the
    preview says so; the document itself is unaffected)."""
    storage = documents_storage()
    names = []
    for number, image in enumerate(images, start=1):
        name = f"{_preview_folder(key)}/{prefix}-p{number}.jpg"
        try:
            if not storage.exists(name):
                name = storage.save(name, ContentFile(page_jpeg(image)))
        except OSError:
            log.exception("preview page %s of %s could not be stored", number, key)
            name = ""
        names.append(name)
    return names


def ocr_layout_pages(layout: list[dict], images: list[PageImage], *, key: str) -> list[dict]:
    """The OCR reading's per-page boxes with the page images it read, stored as JPEGs."""
    names = _store_images(images, key=key, prefix="ocr")
    return [{**page, "image": names[index] if index < len(names) else ""}
            for index, page in enumerate(layout)]


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and 0 <= value <= 100_000


def _checked_words(page) -> list[list]:
    """The child's words, checked as untrusted data: malformed entries are dropped."""
    words = page.get("words") if isinstance(page, dict) else None
    return [word[:5] for word in words or []
            if isinstance(word, list) and len(word) >= 5 and isinstance(word[4], str)
            and all(_number(n) for n in word[:4])][:20_000]


def _rendered_layout(document: Document) -> tuple[str, list[dict]] | None:
    """Render a document not read by OCR (a PDF or an image): (source, pages), or None
    when it cannot be read. The file is untrusted: rendered in the parser child."""
    from apps.documents.storage import document_read

    pdf = document.content_type == "pdf"
    if pdf:
        import pypdfium2  # noqa: F401 - loaded here once, so each child inherits it
    try:
        parsed = parse_isolated(document_read(document.file.name),
                                "pdf_preview" if pdf else document.content_type,
                                seconds=RENDER_SECONDS, memory_mb=_render_memory_mb())
    except (ParseError, OSError):
        log.warning("document %s: no preview", document.pk, exc_info=True)
        return None
    found: list = []
    if pdf:
        try:
            found = json.loads(parsed.text)
        except ValueError:
            found = []
    names = _store_images(parsed.images, key=_document_key(document), prefix="view")
    pages = []
    for index, image in enumerate(parsed.images):
        page = found[index] if isinstance(found, list) and index < len(found) else {}
        size_ok = isinstance(page, dict) and _number(page.get("w")) and _number(page.get("h"))
        pages.append({"w": page["w"] if size_ok else image.width,
                      "h": page["h"] if size_ok else image.height,
                      "words": _checked_words(page) if size_ok else [],
                      "image": names[index]})
    return (DocumentLayout.Source.PDF if pdf else DocumentLayout.Source.IMAGE), pages


def document_layout(document: Document) -> DocumentLayout | None:
    """The document's layout, rendered and kept on first need; None when it has no page
    preview (still processing, or not a PDF or an image)."""
    from apps.documents.review import document_layout_keep

    layout = DocumentLayout.objects.filter(document_id=document.pk).first()
    if layout is not None or document.status in Document.PENDING_STATUSES \
            or document.status == Document.Status.FAILED or not document.file.name \
            or document.content_type not in ("pdf", *IMAGE_KINDS):
        # A failed file is not parsed again on every view (its parse may have overrun).
        return layout
    rendered = _rendered_layout(document)
    if rendered is None:
        # Unreadable for the renderer: kept as "no pages", so later views do not retry.
        rendered = (DocumentLayout.Source.IMAGE, [])
    source, pages = rendered
    return document_layout_keep(document=document, source=source, pages=pages)


@dataclass
class PreviewField:
    name: str
    value: object
    confidence: float | None
    location: Location | None
    corrected: bool = False
    confirmed: bool = False
    note: str = ""  # why the reading is not trusted (apps/documents/plausibility.py)

    @property
    def kind(self) -> str:
        return field_kind(self.name)


@dataclass
class PreviewBox:
    field: str
    x: str  # SVG user units (the page's own), formatted here: templates localise floats
    y: str
    width: str
    height: str


@dataclass
class PreviewPage:
    number: int
    width: float
    height: float
    has_image: bool
    boxes: list[PreviewBox] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {_svg(self.width)} {_svg(self.height)}"


def _svg(number: float) -> str:
    return f"{number:.1f}"


@dataclass
class Preview:
    pages: list[PreviewPage]
    fields: list[PreviewField]
    source: str = ""
    has_positions: bool = False


def document_preview(document: Document) -> Preview:
    """Pages with a highlight per located field, and every field with where it was read."""
    layout = document_layout(document)
    pages = layout.pages if layout is not None else []
    fields = document.fields or {}
    located = locate_fields(pages, fields) if pages else {}
    items = [PreviewField(name, item.get("value"), item.get("confidence"),
                          located.get(name), bool(item.get("corrected")),
                          bool(item.get("confirmed")), str(item.get("note") or ""))
             for name, item in fields.items() if isinstance(item, dict)]
    shown = [PreviewPage(number, page.get("w") or 1, page.get("h") or 1,
                         bool(page.get("image")))
             for number, page in enumerate(pages, start=1)]
    for item in items:
        if item.location is not None:
            for box in item.location.boxes:
                x0, y0, x1, y1 = box
                # A little margin, so the highlight frames the characters.
                pad = max((y1 - y0) * 0.15, 1)
                shown[item.location.page - 1].boxes.append(PreviewBox(
                    item.name, _svg(x0 - pad), _svg(y0 - pad), _svg(x1 - x0 + 2 * pad),
                    _svg(y1 - y0 + 2 * pad)))
    return Preview(shown, items, layout.source if layout is not None else "",
                   any(page.get("words") for page in pages))


def page_image_name(document: Document, number: int) -> str:
    """The storage name of page `number`'s image, or "" when there is none."""
    layout = DocumentLayout.objects.filter(document_id=document.pk).values("pages").first()
    pages = layout["pages"] if layout else []
    if not 1 <= number <= len(pages):
        return ""
    return pages[number - 1].get("image") or ""
