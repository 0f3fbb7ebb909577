"""What a file is, from its bytes: the name is only checked against the content.

`filetype` reads magic numbers; DOCX and XLSX are zips told apart by their parts; CSV is
UTF-8 text that reads as one table (csv.Sniffer finds the delimiter, every row has the
same number of columns) and holds no markup: HTML, SVG and XML are refused whatever their
name, and the refusal says what the content is. Anything else is refused at upload.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype

# kind -> (MIME type sent on download, file name extensions that may carry it)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg", ".jpe")),
    "tiff": ("image/tiff", (".tif", ".tiff")),
    "heic": ("image/heic", (".heic", ".heif")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "csv": ("text/csv", (".csv",)),
}
IMAGE_KINDS = frozenset({"png", "jpeg", "tiff", "heic"})
_KIND_LABELS = {"pdf": "a PDF", "png": "a PNG image", "jpeg": "a JPEG image",
                "tiff": "a TIFF image", "heic": "a HEIC image", "docx": "a Word document",
                "xlsx": "an Excel workbook", "csv": "a CSV file"}
_FILETYPE_KINDS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg",
                   "image/tiff": "tiff", "image/heic": "heic", "image/heif": "heic"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
ACCEPTED_LABEL = "PDF, PNG, JPEG, TIFF, HEIC, DOCX, XLSX or CSV"

# A DOCX or XLSX has tens of parts. The zip's own end record announces how many entries
# and how large its central directory is; over these limits the archive is refused before
# zipfile reads (and builds an object for) every entry. Same entry cap as the parser's.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_DIRECTORY_BYTES = 1024 * 1024
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


class ContentRefused(ValueError):
    """The content is of an accepted kind but refused; the message says why."""


@dataclass(frozen=True)
class Sniffed:
    kind: str

    @property
    def mime(self) -> str:
        return KINDS[self.kind][0]

    @property
    def label(self) -> str:
        return _KIND_LABELS[self.kind]


def _zip_directory(data: io.BufferedIOBase) -> tuple[int, int] | None:
    """(entries, central directory bytes) as the end record announces them, ZIP64
    included; None when there is no end record (not a zip)."""
    data.seek(0, io.SEEK_END)
    size = data.tell()
    tail_size = min(size, _EOCD.size + 65535)
    data.seek(size - tail_size)
    tail = data.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return None
    _, _, _, _, entries, directory_bytes, _, _ = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        # ZIP64: the locator just before the end record points at the ZIP64 end record.
        locator_at = size - tail_size + at - _ZIP64_LOCATOR.size
        if locator_at < 0:
            return None
        data.seek(locator_at)
        locator = data.read(_ZIP64_LOCATOR.size)
        if len(locator) < _ZIP64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
            return entries, directory_bytes
        record_at = _ZIP64_LOCATOR.unpack(locator)[2]
        if record_at + _ZIP64_EOCD.size > size:
            return None
        data.seek(record_at)
        record = data.read(_ZIP64_EOCD.size)
        if not record.startswith(b"PK\x06\x06"):
            return None
        fields = _ZIP64_EOCD.unpack(record)
        entries, directory_bytes = fields[7], fields[8]
    return entries, directory_bytes


def _zip_kind(head: bytes, data: io.BufferedIOBase) -> str | None:
    # Only the central directory is read here (names), and only once its end record has
    # announced a size a document can have; bombs are handled by the parser.
    try:
        directory = _zip_directory(data)
    except (OSError, ValueError, struct.error):
        return None
    if directory is None:
        return None
    entries, directory_bytes = directory
    if entries > ZIP_MAX_ENTRIES or directory_bytes > ZIP_MAX_DIRECTORY_BYTES:
        raise ContentRefused(
            f"is an archive of {entries:,} parts ({directory_bytes:,} bytes of index); a "
            f"Word or Excel file has at most {ZIP_MAX_ENTRIES:,}.")
    try:
        data.seek(0)
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


# Markup is refused whatever it is named: an HTML page or an SVG with script served back
# as a "CSV" would run in a browser that ignores the header. Looked for anywhere in the
# sample, case-insensitively, as a tag opening (not the words themselves).
_MARKUP = [
    (re.compile(rb"<svg[\s>/]", re.IGNORECASE), "an SVG image"),
    (re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<script[\s>]|"
                rb"<iframe[\s>]|<meta[\s>]|<div[\s>]|<a\s+href|<img[\s>]|<form[\s>]|"
                rb"<style[\s>]|<table[\s>]", re.IGNORECASE), "an HTML page"),
    (re.compile(rb"^\s*<\?xml[\s?]|^\s*<[A-Za-z_][\w:.-]*(\s[^>]*)?>", re.IGNORECASE),
     "an XML file"),
]
CSV_DELIMITERS = ",;\t|"
# A one-column file is a list of values (amounts, names), not prose.
_SINGLE_COLUMN_MAX = 100


def _decoded(head: bytes) -> str | None:
    """The sample as text, or None when it is not UTF-8 text."""
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the sample is fine.
        if exc.start < len(head) - 3:
            return None
        text = head[:exc.start].decode("utf-8-sig")
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    return text


def markup_label(head: bytes) -> str | None:
    """'an HTML page', 'an SVG image', 'an XML file', or None."""
    sample = head.lstrip(b"\xef\xbb\xbf")
    for pattern, label in _MARKUP:
        if pattern.search(sample):
            return label
    return None


def _csv_rows(text: str, complete: bool) -> list[list[str]] | None:
    """Rows when the sample reads as one table (every row the same number of columns, a
    delimiter csv.Sniffer agrees on), else None."""
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the sample may cut the last line short
    lines = [line for line in lines if line.strip()][:50]
    if not lines:
        return None
    sample = "\n".join(lines)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = None
    if dialect is not None:
        try:
            rows = list(csv.reader(io.StringIO(sample), dialect))
        except csv.Error:
            rows = []
        widths = {len(row) for row in rows}
        if len(widths) == 1 and widths.pop() >= 2:
            return rows
    # One column of values is still a table; prose with stray commas is not.
    if all(len(line) <= _SINGLE_COLUMN_MAX and not any(d in line for d in CSV_DELIMITERS)
           for line in lines):
        return [[line] for line in lines]
    return None


def text_label(head: bytes, *, complete: bool) -> str | None:
    """For text content: 'csv' when it is a table, else what it is ('an HTML page',
    'plain text, not a table of values'); None when it is not text."""
    text = _decoded(head)
    if text is None or not text.strip():
        return None
    found = markup_label(head)
    if found is not None:
        return found
    if _csv_rows(text, complete) is not None:
        return "csv"
    return "plain text, not a table of values (rows with the same number of columns)"


def sniff(data: io.BufferedIOBase) -> Sniffed | None:
    """The kind of the content, or None when it is none we accept. ContentRefused when
    it looks like an accepted kind but is refused (a zip with too many entries)."""
    data.seek(0)
    head = data.read(8192)
    data.seek(0)
    if not head:
        return None
    # HEIF/HEIC phones write several brands; filetype knows only some of them.
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return Sniffed("heic")
    guessed = filetype.guess(head)
    if guessed is not None:
        if guessed.mime in _FILETYPE_KINDS:
            return Sniffed(_FILETYPE_KINDS[guessed.mime])
        if guessed.mime == "application/zip" or head.startswith(b"PK\x03\x04"):
            kind = _zip_kind(head, data)
            data.seek(0)
            return Sniffed(kind) if kind else None
        return None
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(head, data)
        data.seek(0)
        return Sniffed(kind) if kind else None
    if text_label(head, complete=len(head) < 8192) == "csv":
        return Sniffed("csv")
    return None


def content_label(data: io.BufferedIOBase) -> str | None:
    """What content that `sniff` did not accept really is, in words ('an HTML page', 'a GIF
    image'), or None when it cannot be told."""
    data.seek(0)
    head = data.read(8192)
    data.seek(0)
    if not head:
        return None
    guessed = filetype.guess(head)
    if guessed is not None:
        if guessed.mime == "application/zip" or head.startswith(b"PK\x03\x04"):
            return "a ZIP archive"
        kind = guessed.mime.split("/", 1)[0]
        noun = {"image": "image", "video": "video", "audio": "audio file"}.get(kind, "file")
        name = guessed.extension.upper()
        # Said letter by letter: "an ELF file", "an MP4 video", "a GIF image".
        article = "an" if name[:1] in set("AEFHILMNORSX") else "a"
        return f"{article} {name} {noun}"
    label = text_label(head, complete=len(head) < 8192)
    return None if label == "csv" else label


def extension_matches(name: str, kind: str) -> bool:
    lowered = name.lower()
    return any(lowered.endswith(ext) for ext in KINDS[kind][1])


def kind_for_extension(name: str) -> str | None:
    lowered = name.lower()
    for kind, (_, extensions) in KINDS.items():
        if any(lowered.endswith(ext) for ext in extensions):
            return kind
    return None


_UNSAFE = re.compile(r"[^\w.\- ()+,&@]+")


def sanitize_file_name(raw: str) -> str:
    """A display name safe to show and to put in a Content-Disposition header: no path,
    no control or separator characters, no leading dots, at most 150 characters (the
    extension kept). Stored files never use it: their names are made by the server."""
    name = unicodedata.normalize("NFKC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" ._")
    name = re.sub(r"_{2,}", "_", name)
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: 150 - len(ext) - 1].rstrip(" ._") + "." + ext
        else:
            name = name[:150]
    return name
