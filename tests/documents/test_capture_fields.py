"""Captured forms read field by field: values printed in a right column stay on their
label's line on skewed and photographed pages (apps/documents/ocr_lines.py), values OCR
glued to their label are still read (fields.py), the desk around a photographed page is
ignored (imaging.py), detection runs at the size the text needs
(rapid_detection.py), and the capture generator prints what the truth says it prints
(evaluation/captures.py). Most checks are on geometry and text; two read a page with
OCR, which is slow on a loaded machine."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image

from apps.documents import imaging, rapid_detection
from apps.documents.evaluation import heldout
from apps.documents.evaluation.captures import (
    _at_dpi,
    _dense_statement,
    _perspective,
    _scan_noise,
    _shadow,
    render_page,
)
from apps.documents.fields import extract_fields
from apps.documents.models import DocType
from apps.documents.ocr import RapidOcrBackend, ocr_pages
from apps.documents.ocr_lines import Segment, group_lines, lines_text
from apps.documents.parsing import PageImage

RECEIPT = ["Tumbleweed Hardware", "SALES RECEIPT", "08/23/2025 16:56",
           "Register 4  Cashier Priya", "Ibuprofen\t11.19", "Unleaded\t63.63",
           "Subtotal\t74.82", "Tax\t3.74", "TOTAL\t78.56", "Card ending 9647"]


def _tilted(x0: float, y0: float, width: float, height: float, slope: float, text: str
            ) -> Segment:
    """A segment as a tilted four-point box (top-left, top-right, bottom-right,
    bottom-left), its left edge at (x0, y0)."""
    x1, rise = x0 + width, width * slope
    return Segment.from_quad([(x0, y0), (x1, y0 + rise), (x1, y0 + rise + height),
                              (x0, y0 + height)], text, 0.9)


def _page(image: Image.Image) -> PageImage:
    image = image.convert("L")
    image.thumbnail((1700, 1700))
    return PageImage(image.width, image.height, image.tobytes())


def test_value_in_the_right_column_of_a_skewed_page_stays_on_its_label_line():
    # Rows 30 px apart on a page sloping 1.5 %: a value 1,200 px right of its label sits
    # 18 px lower, more than half a row, where the tops' distance used to put it on
    # the next row.
    slope = 0.015
    segments = []
    for row, (label, value) in enumerate([("Wages", "65,028.08"), ("Federal tax", "9,104.00"),
                                          ("Medicare wages", "65,028.08")]):
        top = 100 + row * 30
        segments.append(_tilted(100, top, 300, 20, slope, label))
        segments.append(_tilted(1300, top + 1200 * slope, 150, 20, slope, value))

    text, _ = lines_text(segments)

    assert text.splitlines() == ["Wages 65,028.08", "Federal tax 9,104.00",
                                 "Medicare wages 65,028.08"]


def test_lines_of_small_type_whose_boxes_touch_stay_apart():
    # Dense statement rows: boxes 14 px high every 15 px, with a value slightly high.
    segments = [Segment(100, 200 + 15 * row, 500, 214 + 15 * row, f"row {row}", 0.9)
                for row in range(4)]
    segments.append(Segment(900, 212, 1000, 226, "1,234.56", 0.9))  # row 1, 3 px high

    lines = group_lines(segments)

    assert [[s.text for s in line] for line in lines] == [
        ["row 0"], ["row 1", "1,234.56"], ["row 2"], ["row 3"]]


def test_each_row_of_a_photographed_page_is_levelled_with_the_page_slope():
    # Axis-aligned boxes (an engine without tilt, like Tesseract) in reading order even
    # when given shuffled.
    segments = [Segment(700, 52, 800, 70, "1,234.56", 0.8),
                Segment(100, 50, 300, 68, "Subtotal", 0.9),
                Segment(100, 80, 250, 98, "Tax", 0.9),
                Segment(700, 83, 780, 101, "98.76", 0.7)]

    text, confidence = lines_text(segments)

    assert text == "Subtotal 1,234.56\nTax 98.76"
    assert confidence == (0.8 + 0.9 + 0.9 + 0.7) / 4


def test_values_glued_to_their_labels_are_read():
    text = "\n".join(["Tumbleweed Hardware", "SALES RECEIPT", "08/23/2025 16:56",
                      "Subtotal74.82", "Tax3.74", "TOTAL78.56"])

    fields = extract_fields(DocType.RECEIPT, text).fields

    assert {name: fields[name]["value"] for name in ("subtotal", "tax", "total")} == {
        "subtotal": "74.82", "tax": "3.74", "total": "78.56"}
    assert fields["tax"]["confidence"] == 0.95


def test_a_longer_word_starting_with_the_label_is_not_the_label():
    text = "Harbor Copy & Print\nReceipt\nTaxable amount 50.00\nTax 4.38\nTotal 54.38"

    fields = extract_fields(DocType.RECEIPT, text).fields

    assert fields["tax"]["value"] == "4.38"


def test_w2_box_value_glued_to_its_label_is_read():
    text = ("Form W-2 Wage and Tax Statement 2024\n"
            "b Employer's identification number 41-2345678\n"
            "1Wages,tips,other compensation65,028.08\n"
            "2 Federal income tax withheld:7,803.37")

    fields = extract_fields(DocType.W2, text).fields

    assert fields["wages"] == {"value": "65028.08", "confidence": 0.95}
    assert fields["federal_withholding"]["value"] == "7803.37"


def test_a_tab_prints_the_value_in_a_right_column_not_a_glyph():
    page = np.asarray(render_page(["Title", "Subtotal\t74.82"], random.Random(1), points=12))
    rows = np.flatnonzero((page < 128).any(axis=1))
    row = page[rows[-1] - 20: rows[-1] + 1]  # the second line's lower part
    ink = np.flatnonzero((row < 128).any(axis=0))
    gaps = np.diff(ink)

    # Two inked runs far apart: the label at the left margin, the value ending at the
    # right margin, and nothing (no missing-glyph box) between them.
    assert gaps.max() > page.shape[1] * 0.4
    assert page.shape[1] - ink[-1] < page.shape[1] * 0.15


def test_a_dense_statement_page_prints_every_line_down_to_its_ending_balance():
    rng = random.Random(5)
    statement = _dense_statement(rng, heldout.MAKERS)
    page = np.asarray(render_page(statement.lines, rng, points=7))

    mask = np.where(page < 128, 255, 0).astype(np.uint8)

    assert statement.lines[-1].startswith("Ending Balance")
    assert len(imaging._bands(mask)) == len(statement.lines)


def test_the_desk_around_a_photographed_page_is_cropped_and_painted_over():
    rng = random.Random(7)
    photo = _perspective(_scan_noise(_at_dpi(render_page(RECEIPT, rng), 150), rng), rng)
    grey = np.asarray(photo)

    corners = imaging.paper_region(grey)
    page = imaging.prepare_page(_page(photo))

    assert corners is not None and corners.shape == (4, 2)
    # The sheet sits inside the 12 % margin of desk the generator leaves around it.
    assert corners[:, 0].min() > 0.05 * grey.shape[1]
    assert corners[:, 0].max() < 0.95 * grey.shape[1]
    assert "crop" in page.steps
    prepared = np.frombuffer(page.pixels, np.uint8).reshape(page.height, page.width)
    # No dark desk left at the corners (it read as long text lines and bogus segments).
    assert min(np.median(c) for c in (prepared[:40, :40], prepared[:40, -40:],
                                       prepared[-40:, :40], prepared[-40:, -40:])) > 200


def test_a_scan_without_a_desk_is_not_cropped_even_in_shadow():
    rng = random.Random(8)
    scan = _scan_noise(_at_dpi(render_page(RECEIPT, rng), 150), rng)

    assert imaging.paper_region(np.asarray(scan)) is None
    assert imaging.paper_region(np.asarray(_shadow(scan, rng))) is None


def test_detection_runs_at_the_size_the_text_needs():
    # A 150 dpi letter page with 16 px text: detected at half size. Tiny text is not
    # enlarged beyond the page, and small pages keep a minimum side.
    assert rapid_detection.DETECTION_TEXT_HEIGHT == 8.0
    assert rapid_detection.detection_scale(1650, 1275, 16.0) == 0.5
    assert rapid_detection.detection_scale(1650, 1275, 5.0) == 1.0
    assert rapid_detection.detection_scale(400, 1000, 30.0) == rapid_detection.MIN_SIDE / 1000


def test_photographed_receipt_reads_its_column_values():
    rng = random.Random(11)
    photo = _perspective(_scan_noise(_at_dpi(render_page(RECEIPT, rng), 150), rng), rng)

    read = ocr_pages([_page(photo)], RapidOcrBackend())
    fields = extract_fields(DocType.RECEIPT, read.text, read_by_ocr=True).fields

    assert {name: fields.get(name, {}).get("value") for name in ("subtotal", "tax", "total")
            } == {"subtotal": "74.82", "tax": "3.74", "total": "78.56"}
    assert set(read.phases) == {"prepare", "detect", "recognise"}


def test_a_k1_loss_under_a_thousand_dollars_is_read_but_not_a_box_number():
    text = ("Schedule K-1 (Form 1120-S) 2025\nFor calendar year 2025\n"
            "A Corporation's employer identification number 13-6761524\n"
            "1 Ordinary business income (loss) -821")

    fields = extract_fields(DocType.K1, text).fields

    assert fields["ordinary_income"] == {"value": "-821", "confidence": 0.95}
    # A plain integer after the label is still a box number, not an amount.
    assert "ordinary_income" not in extract_fields(
        DocType.K1, text.replace("-821", "2 Net rental")).fields
