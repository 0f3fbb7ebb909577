"""Page preparation before OCR: phone photos and office scans made readable.

`prepare_page` takes a grey page and returns it upright, straight, with even light and
text of a size the recogniser reads well, recording what it did on the page
(`rotation`, `skew`, `scale`, `steps`). Every OCR backend sees the prepared page
(ocr.ocr_pages calls this before `backend.read`).

How, and why this way (each step measured on the capture corpus, see docs/documents.md):

0. **The sheet**: a photo of a page lying on a desk is cropped to the sheet, and what
   lies outside its outline painted paper-white (`without_surround`): the desk's edge
   read as long text lines, outweighed the text in the skew measure and gave bogus
   segments.
1. **Light**: the paper's brightness is estimated by a wide median of a small copy and the
   page divided by it (background division), which flattens shadows and uneven light;
   a page that is still flat in contrast gets CLAHE.
2. **Text direction and skew**: ink is binarised and closed with a square kernel so
   letters merge into word blobs; each blob's minAreaRect gives the direction of its long
   side. The area-weighted direction of elongated blobs gives the text angle modulo 180°
   (so 90° and 270° pages, and any skew, in one measure), refined by the sharpest
   horizontal projection profile within ±1.5°. Square kernels have no preferred direction,
   which is why this holds for a page turned by 90°.
3. **Upside down or not**: the remaining doubt (0° or 180°) is settled by RapidOCR's
   small text-direction classifier voting on the widest text lines (the recogniser read
   both ways was as right but 20 times slower).
4. **Size**: the text height is the median height of the level text-line bands (word
   blobs of small, closely set lines merge two lines), recorded as `text_height` for
   text detection (rapid_detection.py); the page is scaled so it is within TEXT_HEIGHT
   (small 72 dpi text is enlarged, big text shrunk), the longest side kept within
   MAX_SIDE: detection cost grows with pixels, and a dense page at 1,700 px reads in far
   less time at a text height the models were trained on.

Nothing here reads text; a page with no ink is returned as it was.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

from apps.documents.parsing import PageImage

log = logging.getLogger(__name__)

ANALYSIS_SIDE = 1000  # longest side of the copy the measures are taken on
# Word blob heights (px): text smaller than the first is enlarged to the second, text
# bigger than the fourth shrunk to the third (detection cost grows with pixels); in
# between the page is left alone (RapidOCR resizes line crops to 48 px itself).
TEXT_HEIGHT = (15, 20, 40, 56)
MAX_SCALE = 2.5
MAX_SIDE = 2000  # RapidOCR shrinks anything larger before detection anyway
MIN_SKEW = 0.3  # degrees: below this a page is left straight
ORIENTATION_LINES = 12
# A page with more text lines than this is dense (a statement of transactions): it is
# never enlarged. Measured on a 60-line statement page: 18.2 CPU s enlarged x1.2 against
# 11.2 s as it came, the same fields read; the recogniser's work grows with pixels.
DENSE_LINES = 30


def _np():
    import numpy as np

    return np


def _cv2():
    import cv2

    cv2.setNumThreads(1)  # a worker process per core already
    return cv2


def _as_array(page: PageImage):
    np = _np()
    return np.frombuffer(page.pixels, dtype=np.uint8).reshape(page.height, page.width)


def _as_page(pixels, source: PageImage, **changes) -> PageImage:
    np = _np()
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    return replace(source, width=int(pixels.shape[1]), height=int(pixels.shape[0]),
                   pixels=pixels.tobytes(), **changes)


def paper_region(grey):
    """The sheet of paper in a photo taken on a desk: its corner points (4 x 2, in the
    pixels of `grey`) when the page shows a sheet with a darker surround, else None.

    The sheet's outline is the largest convex four-cornered outline of sharp edges that
    covers 30-97 % of the picture, and it is darker outside than inside. A shadow fades
    smoothly (no edges), so it is never taken for the surround; a scan with no border
    has no such outline and is left alone."""
    cv2, np = _cv2(), _np()
    height, width = grey.shape
    factor = min(1.0, 400 / max(height, width))
    small = cv2.resize(grey, (max(1, int(width * factor)), max(1, int(height * factor))),
                       interpolation=cv2.INTER_AREA)
    edges = cv2.Canny(cv2.GaussianBlur(small, (5, 5), 0), 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    total = small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        hull = cv2.convexHull(contour)
        corners = cv2.approxPolyDP(hull, 0.03 * cv2.arcLength(hull, True), True)
        share = cv2.contourArea(corners) / total
        if len(corners) != 4 or not 0.3 <= share <= 0.97:
            continue
        inside = np.zeros_like(small)
        cv2.fillConvexPoly(inside, corners, 255)
        paper = float(np.median(small[inside > 0]))
        surround = float(np.median(small[inside == 0]))
        if surround < 0.8 * paper:
            return corners.reshape(4, 2).astype(np.float32) / factor
    return None


def without_surround(grey):
    """The page cropped to its sheet of paper (paper_region) with what lies outside the
    sheet painted paper-white: the desk's edge against the paper otherwise reads as long
    text lines (it outweighed the text in the skew measure) and as bogus segments, and
    the desk's pixels cost detection time."""
    cv2, np = _cv2(), _np()
    corners = paper_region(grey)
    if corners is None:
        return grey, False
    # A little inside the outline: the edge's own shading is painted over too.
    centre = corners.mean(axis=0)
    corners = centre + (corners - centre) * 0.985
    x0, y0 = np.floor(corners.min(axis=0)).astype(int).clip(0)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    crop = grey[y0:y1, x0:x1].copy()
    inside = np.zeros_like(crop)
    cv2.fillConvexPoly(inside, np.round(corners - (x0, y0)).astype(np.int32), 255)
    crop[inside == 0] = int(np.percentile(crop[inside > 0][::7], 90))
    return crop, True


def even_light(grey):
    """Divide by the paper's own brightness (shadows, a lamp on one side), then stretch
    contrast; CLAHE when the ink is still faint."""
    cv2, np = _cv2(), _np()
    height, width = grey.shape
    factor = min(1.0, 400 / max(height, width))
    small = cv2.resize(grey, (max(1, int(width * factor)), max(1, int(height * factor))),
                       interpolation=cv2.INTER_AREA)
    # The paper, not the ink: a closing removes dark strokes before the median.
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    paper = cv2.medianBlur(paper, 21)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(paper, 1), scale=255)
    # The paper is now about 255 wherever it was; faint ink (a grey pencil, a washed-out
    # photo) is stretched to black. Percentiles of the whole page would stretch the
    # paper's noise instead on a page with little ink (a short receipt).
    dark = _percentile(flat, 0.005)
    if dark > 90:
        flat = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(flat)
        dark = _percentile(flat, 0.005)
    if 0 < dark < 235:
        flat = np.clip((flat.astype(np.float32) - dark) * (255.0 / (255.0 - dark)), 0, 255)
    return flat.astype(np.uint8)


def _ink(grey):
    """Binary ink mask (255 = ink) of an evenly lit page (paper about 255): half-way
    between the paper and the darkest ink. Otsu would split the paper's noise on a page
    that is nearly all paper."""
    cv2, np = _cv2(), _np()
    dark = _percentile(grey, 0.003)
    if dark > 200:
        return np.zeros_like(grey)
    _, mask = cv2.threshold(grey, (255 + dark) / 2, 255, cv2.THRESH_BINARY_INV)
    return mask


def _blobs(mask, kernel: int):
    """Word blobs: (cx, cy, long side, short side, angle of the long side in degrees
    within [-90, 90), area), ink closed with a `kernel`-pixel square."""
    cv2, np = _cv2(), _np()
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((kernel, kernel), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    blobs = []
    limit = mask.shape[0] * mask.shape[1] * 0.2
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < kernel * kernel * 2 or area > limit:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle + 90
        angle = ((angle + 90) % 180) - 90
        blobs.append((cx, cy, w, h, angle, area))
    return blobs


def text_angle(mask) -> tuple[float, float]:
    """(angle of the text lines in degrees within [-90, 90), median blob height) from the
    elongated word blobs, weighted by their length; (0, 0) without text."""
    np = _np()
    side = max(mask.shape)
    # Lines of small type closer than the kernel merge into one block, too large to be
    # a word (a dense statement page): a finer kernel separates them again.
    for kernel in (max(3, side // 120), max(3, side // 300)):
        blobs = [b for b in _blobs(mask, kernel) if b[2] >= 2.5 * max(b[3], 1)]
        if len(blobs) >= 3:
            break
    else:
        return 0.0, 0.0
    # Angles are doubled to average directions (a line at 89° and one at -89° agree).
    weights = np.array([b[2] for b in blobs])
    doubled = np.radians(np.array([b[4] for b in blobs]) * 2)
    mean = math.degrees(math.atan2((weights * np.sin(doubled)).sum(),
                                   (weights * np.cos(doubled)).sum())) / 2
    return mean, float(np.median([b[3] for b in blobs]))


def _rotate(grey, degrees: float, *, fill: int = 255):
    """Counter-clockwise by `degrees`, the canvas grown to keep every pixel."""
    cv2, np = _cv2(), _np()
    quarter = round(degrees / 90) * 90
    if abs(degrees - quarter) < 1e-6:
        return np.rot90(grey, (quarter // 90) % 4)
    height, width = grey.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    return cv2.warpAffine(grey, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def _profile_sharpness(mask, degrees: float) -> float:
    np = _np()
    rows = _rotate(mask, degrees, fill=0).sum(axis=1, dtype=np.float64)
    return float(np.var(np.diff(rows)))


def refine_skew(mask, around: float) -> float:
    """The angle within ±0.6° of `around` (0.1° steps, on a half-size copy) whose
    horizontal projection has the sharpest line edges: the blobs' mean direction is
    close, the profile settles the last tenths."""
    cv2, np = _cv2(), _np()
    half = cv2.resize(mask, (max(1, mask.shape[1] // 2), max(1, mask.shape[0] // 2)),
                      interpolation=cv2.INTER_AREA)
    candidates = np.arange(around - 0.6, around + 0.65, 0.1)
    return float(max(candidates, key=lambda angle: _profile_sharpness(half, float(angle))))


def _percentile(grey, share: float) -> float:
    """The grey level below which `share` (0-1) of the pixels lie (a histogram: numpy's
    percentile sorts the whole page)."""
    cv2, np = _cv2(), _np()
    counts = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    return float(np.searchsorted(np.cumsum(counts), share * grey.size))


def _bands(mask) -> list[tuple[int, int]]:
    """Text-line bands (top, bottom) of a horizontal-lined mask, from the row profile."""
    rows = mask.sum(axis=1) > 0.01 * 255 * mask.shape[1]
    bands, start = [], None
    for index, on in enumerate([*rows.tolist(), False]):
        if on and start is None:
            start = index
        elif not on and start is not None:
            if index - start >= 6:
                bands.append((start, index))
            start = None
    return bands


def _line_height(mask) -> float:
    """The median height of the text-line bands of a level page (0 with fewer than
    three lines: too few to trust)."""
    heights = sorted(bottom - top for top, bottom in _bands(mask))
    return float(heights[len(heights) // 2]) if len(heights) >= 3 else 0.0


def _line_crops(grey, mask, count: int):
    """The `count` widest text-line bands (grey crops), from the row profile."""
    np = _np()
    crops = []
    for top, bottom in _bands(mask):
        columns = np.flatnonzero(mask[top:bottom].sum(axis=0))
        if columns.size == 0:
            continue
        left, right = int(columns[0]), int(columns[-1]) + 1
        height = bottom - top
        if height > 0.2 * mask.shape[0] or right - left < 2 * height:
            continue
        pad = max(2, height // 4)
        # At most 12 heights wide: enough letters to tell, and the recogniser's cost
        # grows with width.
        right = min(right, left + 12 * height)
        crops.append(grey[max(0, top - pad): bottom + pad,
                          max(0, left - pad): right + pad])
    crops.sort(key=lambda crop: crop.shape[1], reverse=True)
    return crops[:count]


def upside_down(grey, mask, judge=None) -> bool | None:
    """Is the (horizontal-lined) page upside down? RapidOCR's text-direction model (a
    small 0°/180° classifier on 48 x 192 line crops) votes on the widest lines, each vote
    weighted by its certainty. None when it cannot tell."""
    np = _np()
    judge = judge or direction_judge()
    if judge is None:
        return None
    crops = _line_crops(grey, mask, ORIENTATION_LINES)
    if not crops:
        return None
    rgb = [np.ascontiguousarray(np.stack([crop] * 3, axis=-1)) for crop in crops]
    vote = 0.0
    for label, score in judge(rgb):
        vote += float(score) if str(label) == "180" else -float(score)
    if abs(vote) < 0.5:
        return None
    return vote > 0


def direction_judge():
    """RapidOCR's direction classifier (list of RGB line crops -> [(label, score)] with
    label "0" or "180"), or None when the package is not installed (the page is then
    only turned to horizontal lines and straightened)."""
    try:
        from apps.documents.ocr import RapidOcrBackend

        engine = RapidOcrBackend.engine()
    except ImportError:
        return None
    return lambda crops: engine.text_cls(crops)[1]


def _scale(grey, factor: float):
    cv2 = _cv2()
    height, width = grey.shape
    factor = min(factor, MAX_SIDE / max(height, width))
    if abs(factor - 1) < 0.15:
        return grey, 1.0
    interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(grey, size, interpolation=interpolation), factor


def prepare_page(page: PageImage, judge=None) -> PageImage:
    """The page upright, straight, evenly lit and scaled for OCR, with what was done."""
    cv2 = _cv2()
    grey = _as_array(page)
    if grey.size == 0:
        return page
    steps: list[str] = []
    grey, cropped = without_surround(grey)
    if cropped:
        steps.append("crop")
    grey = even_light(grey)
    steps.append("light")
    height, width = grey.shape
    shrink = min(1.0, ANALYSIS_SIDE / max(height, width))
    small = cv2.resize(grey, (max(1, int(width * shrink)), max(1, int(height * shrink))),
                       interpolation=cv2.INTER_AREA) if shrink < 1 else grey
    mask = _ink(small)
    if mask.mean() < 0.2:  # blank: nothing to straighten
        return _as_page(grey, page, steps=tuple(steps))
    angle, blob_height = text_angle(mask)
    if abs(angle) > 45:
        quarter = 90 if angle > 0 else -90
        residual = angle - quarter
    else:
        quarter, residual = 0, angle
    if quarter:
        mask = _rotate(mask, -quarter, fill=0)
        small = _rotate(small, -quarter)
        steps.append("turn")
    skew = refine_skew(mask, residual)
    if abs(skew) >= MIN_SKEW:
        mask = _rotate(mask, skew, fill=0)
        small = _rotate(small, skew)
        steps.append("deskew")
    else:
        skew = 0.0
    rotation = -quarter
    flip = upside_down(small, mask, judge)
    if flip:
        rotation += 180
        steps.append("flip")
    rotation %= 360
    # The full page, turned and straightened once (one resampling).
    if rotation:
        grey = _rotate(grey, rotation)
    if skew:
        grey = _rotate(grey, skew)
    # The text height: the median height of the text-line bands once lines are level
    # (word blobs of small, closely set lines merge two lines and read twice too high,
    # which made detection run too small to find whole lines), else the blobs'.
    line_height = _line_height(mask) or blob_height
    factor = 1.0
    if line_height > 0:
        height_now = line_height / shrink
        too_small, small_target, large_target, too_large = TEXT_HEIGHT
        wanted = small_target / height_now if height_now < too_small else (
            large_target / height_now if height_now > too_large else 1.0)
        if wanted > 1 and len(_bands(mask)) > DENSE_LINES:
            wanted = 1.0  # dense: the page budget matters more
            steps.append("dense")
        grey, factor = _scale(grey, min(MAX_SCALE, wanted))
        if factor != 1.0:
            steps.append("scale")
    log.debug("page prepared: rotation %s, skew %.2f, scale %.2f", rotation, skew, factor)
    return _as_page(grey, page, rotation=rotation, skew=round(skew, 2),
                    scale=round(factor, 3), steps=tuple(steps),
                    text_height=round(line_height / shrink * factor, 1))
