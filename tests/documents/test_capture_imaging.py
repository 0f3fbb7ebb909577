"""Page preparation before OCR (apps/documents/imaging.py): turned, skewed, shadowed,
low-resolution and large-type pages come out upright, straight, evenly lit and at a
readable size, and turned pages are classified again (they read as near-empty text
before). OCR is slow on a loaded machine: few pages, most checks on the geometry."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from apps.documents import imaging
from apps.documents.classify import classify
from apps.documents.corpus import MAKERS
from apps.documents.evaluation.captures import (
    _at_dpi,
    _dense_statement,
    _scan_noise,
    _shadow,
    render_page,
)
from apps.documents.models import DocType
from apps.documents.ocr import RapidOcrBackend, ocr_pages
from apps.documents.parsing import PageImage
from tests.documents.test_capture_split import W2

LINES = [*W2, "3 Social security wages 54,321.00", "5 Medicare wages and tips 54,321.00",
         "Copy B - To Be Filed With Employee's FEDERAL Tax Return"]


def _page(image: Image.Image) -> PageImage:
    image = image.convert("L")
    image.thumbnail((1700, 1700))
    return PageImage(image.width, image.height, image.tobytes())


def _scan(dpi: int = 150, seed: int = 1) -> Image.Image:
    rng = random.Random(seed)
    return _scan_noise(_at_dpi(render_page(LINES, rng, points=11), dpi), rng)


def _lines_angle(page: PageImage) -> float:
    grey = np.frombuffer(page.pixels, np.uint8).reshape(page.height, page.width)
    return imaging.text_angle(imaging._ink(grey))[0]


@pytest.mark.parametrize(("turned", "expected_rotation"), [(90, 270), (180, 180), (270, 90)])
def test_turned_page_is_turned_back(turned, expected_rotation):
    page = imaging.prepare_page(_page(_scan().rotate(turned, expand=True)))

    assert page.rotation == expected_rotation
    assert page.height > page.width  # portrait again
    assert abs(_lines_angle(page)) < 0.5


@pytest.mark.parametrize("degrees", [-7.0, 3.0])
def test_skewed_page_is_straightened(degrees):
    skewed = _scan().rotate(degrees, expand=True, fillcolor=235,
                            resample=Image.Resampling.BICUBIC)

    page = imaging.prepare_page(_page(skewed))

    assert page.rotation == 0 and "deskew" in page.steps
    assert abs(abs(page.skew) - abs(degrees)) < 0.4
    assert abs(_lines_angle(page)) < 0.4


def test_upright_clean_page_is_left_as_it_is():
    page = imaging.prepare_page(_page(_scan()))

    assert (page.rotation, page.skew) == (0, 0.0)
    assert "turn" not in page.steps and "flip" not in page.steps


def test_shadowed_page_gets_even_paper():
    shadowed = _shadow(_scan(), random.Random(3))
    before = np.asarray(shadowed.convert("L"))

    page = imaging.prepare_page(_page(shadowed))

    after = np.frombuffer(page.pixels, np.uint8).reshape(page.height, page.width)
    # The paper (the bright half of the page) is one shade again, not a gradient.
    def paper_spread(pixels):
        corners = [pixels[:80, :80], pixels[:80, -80:], pixels[-80:, :80], pixels[-80:, -80:]]
        return max(np.median(c) for c in corners) - min(np.median(c) for c in corners)
    assert paper_spread(before) > 40
    assert paper_spread(after) < 12


def test_low_resolution_page_is_enlarged_and_large_type_shrunk():
    small = imaging.prepare_page(_page(_scan(dpi=72)))
    rng = random.Random(2)
    large = imaging.prepare_page(_page(_scan_noise(render_page(LINES, rng, points=40), rng)))

    assert small.scale > 1.3 and max(small.width, small.height) <= imaging.MAX_SIDE
    # Big type on a big page costs detection time for nothing: it is brought down.
    assert large.scale < 1.0


def test_dense_statement_page_is_not_enlarged():
    rng = random.Random(5)
    statement = _dense_statement(rng, MAKERS)
    page = _page(_scan_noise(_at_dpi(render_page(statement.lines, rng, points=7), 150), rng))

    prepared = imaging.prepare_page(page)

    # Its small type alone would be enlarged; on a page of 50+ lines that costs the page
    # budget (18 against 11 CPU seconds measured) for the same reading.
    assert "dense" in prepared.steps
    assert (prepared.scale, prepared.width, prepared.height) == (1.0, page.width, page.height)


def test_blank_page_is_returned_unharmed():
    blank = PageImage(300, 400, bytes([250]) * 120_000)

    page = imaging.prepare_page(blank)

    assert (page.width, page.height, page.rotation) == (300, 400, 0)


@pytest.mark.parametrize("turned", [90, 180])
def test_turned_page_is_read_and_classified(turned):
    page = _page(_scan(seed=turned).rotate(turned, expand=True))

    read = ocr_pages([page], RapidOcrBackend())
    unprepared = ocr_pages([page], RapidOcrBackend(), prepare=False)

    assert classify(read.text).doc_type == DocType.W2
    assert "54,321.00" in read.text
    # Without preparation the same page is not recognised (why this step exists).
    assert classify(unprepared.text).doc_type != DocType.W2

