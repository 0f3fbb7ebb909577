"""Reading untrusted files in a separate process with a time and a memory limit.

pypdf, Pillow and zip handling have all had denial-of-service bugs (loops, bombs). The
parse runs in a child forked from a small fork server (one started per worker process,
single-threaded, with the parsers preloaded), under RLIMIT_AS; the worker waits at most
DOCUMENTS_PARSE_SECONDS and kills it. The child returns embedded text and, for scans,
grey page images already shrunk to a bounded size, so OCR only ever sees sane pixels.

What crosses back from the child is data only, never objects: a length-prefixed JSON
header (status, text, page count, image sizes) followed by the raw pixel bytes. A parser
exploited in the child can at worst send wrong text or pixels, which the worker checks
(types, sizes, totals) before use; unpickling its output would have run its code.

This module imports no Django.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import select
import signal
import struct
import time
import warnings
import zipfile
from dataclasses import dataclass, field

MAX_PAGES = 20
MAX_IMAGES = 10
MAX_TEXT_CHARS = 200_000
# Longest side of a page image handed to OCR: enough for 10-12 pt text on a letter page.
OCR_MAX_SIDE = 1700
MAX_IMAGE_PIXELS = 60_000_000
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 100 * 1024 * 1024
ZIP_MAX_RATIO = 150
SCANNED_PAGE_CHARS = 25


class ParseError(Exception):
    """A reason a person can read: the document fails with it."""


@dataclass
class PageImage:
    width: int
    height: int
    pixels: bytes  # 8-bit grey, row-major
    # What page preparation did before OCR (imaging.prepare_page): degrees turned
    # counter-clockwise (0/90/180/270), skew corrected, scale, and the steps taken.
    rotation: int = 0
    skew: float = 0.0
    scale: float = 1.0
    steps: tuple[str, ...] = ()
    # Median height of the text in the page's own pixels, as preparation measured it
    # (0: not measured); OCR sizes its text detection from it.
    text_height: float = 0.0

    def to_pil(self):
        from PIL import Image

        return Image.frombytes("L", (self.width, self.height), self.pixels)


@dataclass
class Parsed:
    text: str = ""
    images: list[PageImage] = field(default_factory=list)
    pages: int = 0


def _bounded_image(image) -> PageImage:
    image = image.convert("L")
    image.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
    return PageImage(image.width, image.height, image.tobytes())


def _open_image(data: bytes):
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        image.size  # noqa: B018 - the header is read here; bombs are refused before decoding
        return image
    except Image.DecompressionBombError as exc:
        raise ParseError("The image is too large to read (possible decompression bomb).") \
            from exc


def _parse_image(data: bytes) -> Parsed:
    from PIL import Image, ImageSequence

    image = _open_image(data)
    parsed = Parsed()
    for frame in ImageSequence.Iterator(image):
        if frame.width * frame.height > Image.MAX_IMAGE_PIXELS:
            raise ParseError("The image is too large to read (possible decompression bomb).")
        parsed.images.append(_bounded_image(frame))
        parsed.pages += 1
        if parsed.pages >= MAX_IMAGES:
            break
    return parsed


def _parse_pdf(data: bytes) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ParseError("The PDF is password-protected; send it without a "
                                     "password.")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise ParseError("The PDF is password-protected; send it without a "
                                 "password.") from exc
        parsed = Parsed()
        texts: list[str] = []
        for page in reader.pages[:MAX_PAGES]:
            parsed.pages += 1
            page_text = page.extract_text() or ""
            texts.append(page_text)
            if len(page_text.strip()) < SCANNED_PAGE_CHARS and \
                    len(parsed.images) < MAX_IMAGES:
                # A scanned page: its pictures go to OCR.
                for picture in page.images[:2]:
                    parsed.images.append(_bounded_image(_open_image(picture.data)))
        # Pages are form-feed separated, as OCR joins them (splitting and passages
        # count pages by it).
        parsed.text = "\n\f\n".join(texts)
        return parsed
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError, ZeroDivisionError) as exc:
        raise ParseError(f"The PDF is damaged and cannot be read ({type(exc).__name__}).") \
            from exc


def _zip_members(data: bytes, wanted: re.Pattern) -> list[bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ParseError("The file is a damaged archive.") from exc
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise ParseError("The file holds too many parts (possible zip bomb).")
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > ZIP_MAX_TOTAL or total / packed > ZIP_MAX_RATIO:
        raise ParseError("The file expands to far more than its size (possible zip bomb).")
    members: list[bytes] = []
    budget = ZIP_MAX_TOTAL
    for info in infos:
        if not wanted.fullmatch(info.filename):
            continue
        # Announced sizes can lie: read at most what is left of the budget.
        with archive.open(info) as handle:
            content = handle.read(budget + 1)
        budget -= len(content)
        if budget < 0:
            raise ParseError("The file expands to far more than its size (possible zip "
                             "bomb).")
        members.append(content)
    return members


_DOCX_TEXT = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|</w:p>")
_XLSX_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>|<v>([^<]*)</v>|</row>|</si>")


def _xml_unescape(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8", "replace"))


def _parse_docx(data: bytes) -> Parsed:
    parts = _zip_members(data, re.compile(r"word/(document|header\d*|footer\d*)\.xml"))
    words: list[str] = []
    for part in parts:
        for match in _DOCX_TEXT.finditer(part):
            words.append(_xml_unescape(match.group(1)) if match.group(1) is not None else "\n")
    return Parsed(text="".join(words), pages=1)


def _parse_xlsx(data: bytes) -> Parsed:
    parts = _zip_members(data, re.compile(r"xl/(sharedStrings|worksheets/sheet\d+)\.xml"))
    cells: list[str] = []
    for part in parts:
        for match in _XLSX_TEXT.finditer(part):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            cells.append(_xml_unescape(value) + " " if value is not None else "\n")
    return Parsed(text="".join(cells), pages=1)


def _parse_csv(data: bytes) -> Parsed:
    return Parsed(text=data[: MAX_TEXT_CHARS * 4].decode("utf-8-sig", "replace"), pages=1)


# Width of a page rendered for the review preview (apps/documents/preview.py).
PREVIEW_WIDTH = 1000


def _pdf_words(text_page, height: float) -> list[list]:
    """Words with the union of their characters' boxes (points, from the top left): a
    space, a line break or a jump back along the line ends a word."""
    words: list[list] = []
    current: list | None = None
    count = min(text_page.count_chars(), MAX_TEXT_CHARS)
    # The page's text in one call (a call per character costs 6x more); one character
    # per index unless it holds characters beyond the BMP, then read one by one.
    whole = text_page.get_text_range(0, count)
    for index in range(count):
        char = whole[index] if len(whole) == count else text_page.get_text_range(index, 1)
        if not char or char.isspace():
            current = None
            continue
        left, bottom, right, top = text_page.get_charbox(index)
        box = [left, height - top, right, height - bottom]
        if current is not None and (box[0] < current[2] - 1 or box[1] > current[3]):
            current = None
        if current is None:
            current = [*box, char]
            words.append(current)
        else:
            current[0], current[1] = min(current[0], box[0]), min(current[1], box[1])
            current[2], current[3] = max(current[2], box[2]), max(current[3], box[3])
            current[4] += char
    # Whole points: finer than any highlight, and the layout stays small.
    return [[round(x0), round(y0), round(x1), round(y1), text]
            for x0, y0, x1, y1, text in words]


def _preview_pdf(data: bytes) -> Parsed:
    """The review preview of a PDF: its first pages rendered (grey, PREVIEW_WIDTH wide)
    and, as `text`, a JSON list of their text runs with boxes in points from the top left
    (apps/documents/layout.py shape). PDFium renders; pypdf has no renderer."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ParseError("The PDF cannot be shown (it is damaged or password-protected).") \
            from exc
    parsed = Parsed()
    pages: list[dict] = []
    for index in range(min(len(pdf), MAX_IMAGES)):
        page = pdf[index]
        width, height = page.get_size()
        scale = min(PREVIEW_WIDTH / max(width, 1), OCR_MAX_SIDE / max(height, 1))
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        parsed.images.append(PageImage(image.width, image.height, image.tobytes()))
        words = _pdf_words(page.get_textpage(), height)
        pages.append({"w": round(width, 1), "h": round(height, 1), "words": words})
        parsed.pages += 1
    encoded = json.dumps(pages, ensure_ascii=False, separators=(",", ":"))
    for page in reversed(pages):
        if len(encoded) <= MAX_TEXT_CHARS:
            break
        page["words"] = []  # too many words to carry back: the last pages go without
        encoded = json.dumps(pages, ensure_ascii=False, separators=(",", ":"))
    parsed.text = encoded
    return parsed


_PARSERS = {"pdf": _parse_pdf, "png": _parse_image, "jpeg": _parse_image,
            "tiff": _parse_image, "heic": _parse_image, "docx": _parse_docx,
            "xlsx": _parse_xlsx, "csv": _parse_csv, "pdf_preview": _preview_pdf}


def parse(data: bytes, kind: str) -> Parsed:
    """Parse in this process (the child calls this; tests of the parsers may too)."""
    if kind == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow only warns between 1x and 2x its pixel limit; here that is a refusal too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        parsed = _PARSERS[kind](data)
    parsed.text = parsed.text[:MAX_TEXT_CHARS].replace("\x00", "")
    return parsed


_HEADER = "!Q"  # the JSON header's length, as 8 bytes in network order
_HEADER_MAX = MAX_TEXT_CHARS * 8 + 64 * 1024
_PIXELS_MAX = MAX_IMAGES * 2 * OCR_MAX_SIDE * OCR_MAX_SIDE


def encode_outcome(outcome: Parsed | str) -> bytes:
    """A Parsed (success) or a reason (failure) as header + pixel bytes."""
    if isinstance(outcome, str):
        header = {"status": "error", "reason": outcome}
        pixels = b""
    else:
        header = {"status": "ok", "text": outcome.text, "pages": outcome.pages,
                  "images": [[image.width, image.height] for image in outcome.images]}
        pixels = b"".join(image.pixels for image in outcome.images)
    # surrogatepass: a lone surrogate read from a PDF must not break the encoding here;
    # the pipeline cleans the text before it is stored.
    raw = json.dumps(header, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return struct.pack(_HEADER, len(raw)) + raw + pixels


def decode_outcome(payload: bytes) -> Parsed:
    """The child's answer, checked as untrusted data; ParseError for a failure or for
    anything malformed."""
    broken = ParseError("The file made the reader stop unexpectedly.")
    size = struct.calcsize(_HEADER)
    if len(payload) < size:
        raise broken
    (length,) = struct.unpack(_HEADER, payload[:size])
    if length > _HEADER_MAX or size + length > len(payload):
        raise broken
    try:
        header = json.loads(payload[size:size + length].decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise broken from exc
    if not isinstance(header, dict):
        raise broken
    if header.get("status") == "error" and isinstance(header.get("reason"), str):
        raise ParseError(header["reason"][:500])
    text, pages, sizes = header.get("text"), header.get("pages"), header.get("images")
    if header.get("status") != "ok" or not isinstance(text, str) or \
            not isinstance(pages, int) or not isinstance(sizes, list) or \
            len(sizes) > MAX_IMAGES or not 0 <= pages <= MAX_PAGES:
        raise broken
    pixels = memoryview(payload)[size + length:]
    if len(pixels) > _PIXELS_MAX:
        raise broken
    images: list[PageImage] = []
    at = 0
    for item in sizes:
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(n, int) and 0 < n <= OCR_MAX_SIDE for n in item)):
            raise broken
        width, height = item
        images.append(PageImage(width, height, bytes(pixels[at:at + width * height])))
        at += width * height
    if at != len(pixels):
        raise broken
    return Parsed(text=text[:MAX_TEXT_CHARS], images=images, pages=pages)


def _child(write_fd: int, data: bytes, kind: str, memory_bytes: int) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        try:
            outcome: Parsed | str = parse(data, kind)
        except ParseError as exc:
            outcome = str(exc)
        except MemoryError:
            outcome = ("Reading the file needs more memory than allowed (possible "
                       "decompression bomb).")
        except Exception as exc:
            outcome = f"The file cannot be read ({type(exc).__name__})."
        payload = encode_outcome(outcome)
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
    finally:
        # Never return into the worker's code, never run its exit handlers.
        os._exit(0)


# Kinds whose parsing is a bounded decode of plain text: nothing to isolate, and a fork
# per document cost more than the whole parse (docs/profiles/document_process_small_*).
IN_PROCESS_KINDS = frozenset({"csv"})


def parse_isolated(data: bytes, kind: str, *, seconds: float, memory_mb: int) -> Parsed:
    """Parse in a forked child; ParseError with a reason when it fails, overruns its time
    or its memory, or dies.

    A bare os.fork(), not multiprocessing: Celery's prefork pool processes are daemonic
    and multiprocessing refuses to start children from them; spawn and forkserver would
    also re-import the entry script. The child runs pure parsing code and leaves through
    os._exit, so inherited threads, sockets and database connections are never touched.
    """
    if kind in IN_PROCESS_KINDS:
        parsed = _PARSERS[kind](data)
        parsed.text = parsed.text[:MAX_TEXT_CHARS].replace("\x00", "")
        return parsed
    # Import the parsers here, once, so each child inherits them instead of importing.
    import pypdf  # noqa: F401
    from PIL import Image, ImageSequence  # noqa: F401

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _child(write_fd, data, kind, memory_mb * 1024 * 1024)
    os.close(write_fd)
    chunks: list[bytes] = []
    received = 0
    deadline = time.monotonic() + seconds
    finished = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                finished = True
                break
            received += len(chunk)
            if received > _HEADER_MAX + _PIXELS_MAX + 8:
                break  # more than any honest answer: treated as a failed read
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not finished:
        if received > _HEADER_MAX + _PIXELS_MAX + 8:
            raise ParseError("The file made the reader stop unexpectedly.")
        raise ParseError(f"Reading the file took longer than {seconds:g} s (it may be "
                         "malformed).")
    return decode_outcome(b"".join(chunks))
