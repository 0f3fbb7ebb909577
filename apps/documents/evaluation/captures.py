"""Captures as people make them: phone photos and office scans of forms, each with its
truth, for `manage.py eval_captures`.

A form (a corpus.Sample: lines, type and key fields) is typeset on a letter page at
300 dpi, then captured one way per kind: turned 90/180/270°, skewed 2-8°, photographed
at an angle (perspective, dark desk around the page), blurred, unevenly lit with a
shadow, compressed to a noisy JPEG, taken at 72-150 dpi, several forms in one PDF, or a
dense statement page. Seeded: the same arguments give the same files.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from apps.documents.corpus import MAKERS, Sample

RENDER_DPI = 300
PAGE_INCHES = (8.5, 11.0)

KINDS = ("clean", "rotate90", "rotate180", "rotate270", "skew", "perspective", "blur",
         "shadow", "jpeg", "lowres", "multiform", "dense")
FORM_TYPES = tuple(MAKERS)


@dataclass
class Capture:
    kind: str
    data: bytes
    content_type: str  # as sniffing names it: jpeg, png, pdf, tiff
    # One entry per form in the file, in page order: (first page, last page, sample).
    parts: list[tuple[int, int, Sample]] = field(default_factory=list)


_FONTS: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def _font(size: int, bold: bool = False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    if (name, size) not in _FONTS:
        try:
            _FONTS[(name, size)] = ImageFont.truetype(name, size)
        except OSError:
            _FONTS[(name, size)] = ImageFont.load_default(size=size)
    return _FONTS[(name, size)]


def render_page(lines: list[str], rng: random.Random, *, points: float | None = None
                ) -> Image.Image:
    """A white letter page at RENDER_DPI with the lines typeset from the top left.

    A tab splits a line into a label and a value printed right-aligned in a column at
    the right margin, as forms print boxes (a font draws a tab as a missing-glyph box,
    which no real form shows). Every line is printed: when the lines would run past the
    bottom margin their spacing is tightened to fit (a dense statement must still show
    its ending balance, or no reading of it can be right)."""
    width, height = (round(side * RENDER_DPI) for side in PAGE_INCHES)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    points = points or rng.choice([10, 11, 12])
    size = round(points * RENDER_DPI / 72)
    x = round(rng.uniform(0.7, 1.1) * RENDER_DPI)
    y = round(rng.uniform(0.7, 1.0) * RENDER_DPI)
    # The tallest the lines can take (bold title, the widest spacing drawn below)
    # against the room left: squeezed only when they would not fit.
    tallest = size * 1.3 * 1.9 + size * 1.9 * max(0, len(lines) - 1)
    squeeze = min(1.0, (height - RENDER_DPI // 2 - y) / max(tallest, 1))
    right_edge = width - x
    for number, line in enumerate(lines):
        bold = number == 0
        font = _font(round(size * 1.3) if bold else size, bold)
        ink = rng.randint(0, 40)
        label, tab, value = line.partition("\t")
        draw.text((x, y), label, fill=ink, font=font)
        if tab:
            draw.text((right_edge - draw.textlength(value, font=font), y), value, fill=ink,
                      font=font)
        y += round((size * 1.3 if bold else size) * rng.uniform(1.5, 1.9) * squeeze)
    return page


def _at_dpi(page: Image.Image, dpi: int) -> Image.Image:
    factor = dpi / RENDER_DPI
    return page.resize((round(page.width * factor), round(page.height * factor)),
                       Image.Resampling.LANCZOS)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=1)
    return buf.getvalue()


def _scan_noise(image: Image.Image, rng: random.Random) -> Image.Image:
    """Grey paper and a little speckle, as every scanner adds."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.float32)
    paper = rng.uniform(225, 245) / 255
    pixels = pixels * paper + np.random.default_rng(rng.randint(0, 2**31)).normal(
        0, 4, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _perspective(image: Image.Image, rng: random.Random) -> Image.Image:
    """The page photographed at an angle on a darker desk."""
    import cv2
    import numpy as np

    pixels = np.asarray(image)
    height, width = pixels.shape
    margin = 0.12
    canvas_w, canvas_h = round(width * (1 + 2 * margin)), round(height * (1 + 2 * margin))
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    jitter = [(rng.uniform(-0.05, 0.05) * width, rng.uniform(-0.04, 0.04) * height)
              for _ in range(4)]
    target = np.float32([[margin * width + dx, margin * height + dy]
                         for dx, dy in jitter])
    target[1][0] += width
    target[2][0] += width
    target[2][1] += height
    target[3][1] += height
    matrix = cv2.getPerspectiveTransform(source, target)
    desk = rng.randint(60, 120)
    warped = cv2.warpPerspective(pixels, matrix, (canvas_w, canvas_h),
                                 flags=cv2.INTER_LINEAR, borderValue=desk)
    return Image.fromarray(warped)


def _shadow(image: Image.Image, rng: random.Random) -> Image.Image:
    """Light falling off across the page and the soft shadow of a hand or phone."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.float32)
    height, width = pixels.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xs / width + np.sin(angle) * ys / height)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    light = 1.0 - rng.uniform(0.35, 0.55) * ramp
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    radius = rng.uniform(0.2, 0.35) * max(width, height)
    blob = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius ** 2)))
    light *= 1.0 - rng.uniform(0.25, 0.4) * blob
    return Image.fromarray(np.clip(pixels * light, 0, 255).astype(np.uint8))


def _images_pdf(pages: list[Image.Image], quality: int = 80) -> bytes:
    """A scanner's PDF: one JPEG image per page, no text."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=letter, invariant=True)
    for page in pages:
        pdf.drawImage(ImageReader(io.BytesIO(_jpeg(page, quality))), 0, 0,
                      width=letter[0], height=letter[1])
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with real text, one list of lines per page (as software makes them)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=letter, invariant=True)
    for lines in pages:
        y = 720
        for number, line in enumerate(lines):
            pdf.setFont("Helvetica-Bold" if number == 0 else "Helvetica",
                        13 if number == 0 else 10)
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _dense_statement(rng: random.Random, makers) -> Sample:
    """A bank statement page packed with transactions (small type, ~60 lines)."""
    sample = makers["bank_statement"](rng)
    begin = Decimal(rng.randint(100_000, 9_000_000)) / 100
    moves = [Decimal(rng.randint(-300_000, 400_000)) / 100 for _ in range(rng.randint(45, 60))]
    end = begin + sum(moves, Decimal("0"))
    head = [line for line in sample.lines[:4]]
    body = [f"Beginning Balance ${begin:,.2f}", "Deposits and Additions"]
    running = begin
    for number, move in enumerate(moves, start=1):
        running += move
        body.append(f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d} "
                    f"{'ACH DEPOSIT PAYROLL' if move > 0 else 'CARD PURCHASE POS'} "
                    f"REF{rng.randint(100000, 999999)} {move:,.2f} {running:,.2f}")
        if number == len(moves) // 2:
            body.append("Withdrawals and Subtractions")
    body.append(f"Ending Balance ${end:,.2f}")
    return Sample(sample.doc_type, head + body, {"ending_balance": str(end)})


def capture(kind: str, rng: random.Random, makers=None) -> Capture:
    """One capture of the given kind, of a random form (several for `multiform`).
    `makers` maps a type to a Sample maker (default: corpus.MAKERS)."""
    makers = makers or MAKERS
    if kind == "multiform":
        return _multiform(rng, makers)
    sample = _dense_statement(rng, makers) if kind == "dense" else \
        makers[rng.choice(sorted(makers))](rng)
    page = render_page(sample.lines, rng, points=7 if kind == "dense" else None)
    dpi = rng.randint(72, 150) if kind == "lowres" else rng.choice([150, 200])
    image = _scan_noise(_at_dpi(page, dpi), rng)
    content_type, quality = "jpeg", rng.randint(75, 90)
    if kind in ("rotate90", "rotate180", "rotate270"):
        image = image.rotate(int(kind.removeprefix("rotate")), expand=True)
    elif kind == "skew":
        degrees = rng.uniform(2, 8) * rng.choice([-1, 1])
        image = image.rotate(degrees, expand=True, fillcolor=235,
                             resample=Image.Resampling.BICUBIC)
    elif kind == "perspective":
        image = _perspective(image, rng)
    elif kind == "blur":
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.8)))
    elif kind == "shadow":
        image = _shadow(image, rng)
    elif kind == "jpeg":
        quality = rng.randint(12, 30)
    elif kind == "dense":
        content_type = "png"
    data = _png(image) if content_type == "png" else _jpeg(image, quality)
    return Capture(kind, data, content_type, [(1, 1, sample)])


def _multiform(rng: random.Random, makers) -> Capture:
    """A client's "all my forms" scan: 2-4 different forms, a bank statement taking two
    pages when it is one of them, in one PDF of page images."""
    kinds = rng.sample([kind for kind in sorted(makers) if kind in FORM_TYPES],
                       rng.randint(2, 4))
    pages: list[Image.Image] = []
    parts: list[tuple[int, int, Sample]] = []
    for doc_type in kinds:
        sample = makers[doc_type](rng)
        first = len(pages) + 1
        if doc_type == "bank_statement":
            # Two pages: the second carries on the transactions and the ending balance.
            split = max(4, len(sample.lines) - 3)
            chunks = [sample.lines[:split], [sample.lines[0] + " (continued)",
                                             *sample.lines[split:]]]
        else:
            chunks = [sample.lines]
        for lines in chunks:
            rendered = render_page(lines, rng)
            pages.append(_scan_noise(_at_dpi(rendered, rng.choice([150, 200])), rng))
        parts.append((first, len(pages), sample))
    return Capture("multiform", _images_pdf(pages), "pdf", parts)


def captures(kind: str, count: int, *, seed: int, makers=None) -> list[Capture]:
    rng = random.Random(f"{seed}:{kind}")
    return [capture(kind, rng, makers) for _ in range(count)]
