"""Small real files for tests, made in memory (PDFs with reportlab, images with Pillow)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen import canvas

W2_LINES = ["Form W-2 Wage and Tax Statement 2024",
            "b Employer identification number (EIN) 12-3456789",
            "c Employer's name Acme Widgets Inc",
            "1 Wages, tips, other compensation 54,321.00",
            "2 Federal income tax withheld 6,543.21",
            "3 Social security wages 54,321.00"]
INVOICE_LINES = ["Northwind Office Supply", "INVOICE", "Invoice Number: INV-2041",
                 "Invoice Date: 03/14/2025", "Bill To: Maple Bakery LLC",
                 "Printer paper 12 x 8.50", "Amount Due: $1,234.56"]


def pdf_bytes(lines: list[str], *, encrypt: str | None = None) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt=encrypt, invariant=True)
    y = 740
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 20
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def text_image(lines: list[str], *, fmt: str = "PNG", width: int = 900) -> bytes:
    image = Image.new("L", (width, 40 + 36 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 22)
    except OSError:
        font = ImageFont.load_default(size=22)
    for number, line in enumerate(lines):
        draw.text((20, 20 + 36 * number), line, fill=0, font=font)
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml",
                         f'<w:document xmlns:w="w"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG that announces 3.6 billion pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def docx_zip_bomb(expanded_mb: int = 150) -> bytes:
    """A DOCX whose document part inflates to `expanded_mb` MB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            block = b"0" * (1024 * 1024)
            for _ in range(expanded_mb):
                part.write(block)
    return buf.getvalue()


LOOPING_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
               b"2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
               b"3 0 obj << /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >> endobj\n"
               b"trailer << /Root 1 0 R /Size 4 >>\n%%EOF\n")
CORRUPT_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF"


def pdf_with_lone_surrogate(words: bytes = b"Form W-2 Wage and Tax Statement 2024 ABA") -> bytes:
    """A PDF whose extracted text holds a lone UTF-16 surrogate: its font's ToUnicode map
    sends the glyph `B` to <D800>, half a surrogate pair (pypdf returns '\\ud800')."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            b"/CMapName /Custom def /CMapType 2 def 1 begincodespacerange <00> <FF> "
            b"endcodespacerange 1 beginbfchar <42> <D800> endbfchar endcmap "
            b"CMapName currentdict /CMap defineresource pop end end")
    content = b"BT /F1 12 Tf 72 700 Td (" + words + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def multipage_tiff(pages: int, lines: list[str] | None = None) -> bytes:
    """A scan of `pages` pages in one TIFF (each page the same text image)."""
    frames = [Image.open(io.BytesIO(text_image(lines or [f"Page {n + 1} of a long scan"])))
              for n in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()
