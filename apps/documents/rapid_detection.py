"""RapidOCR's two models called by us, with text detection sized by the text.

RapidOCR (rapidocr-onnxruntime 1.4) finds text with a detection model, then reads each
found segment with a recognition model. Its own call sizes detection by the page's
shorter side (at least 736 px): a 150 dpi letter page is detected at full size and a
short, wide scan is *enlarged* 1.8 times, whatever the size of its text. Detection cost
grows with the pixels, and the model finds text at a dozen pixels high as well as at
forty. Page preparation (imaging.py) has already measured the text height, so detection
here runs at the size that puts the text at DETECTION_TEXT_HEIGHT px; the segments it
finds are mapped back to the page, and recognition reads them from the full-size page
(its crops are resized to 48 px high anyway), so what is read is as sharp as before.
The sizes were chosen on the development captures only (docs/documents.md).

A page whose text height is unknown (preparation off or failed) or of a shape the
engine pads first (a thin strip) is left to the engine's own call: `detect` says None.
"""

from __future__ import annotations

from apps.documents.ocr_lines import Segment

# Text height (px) at which detection runs, and the bounds of the detection image's
# longest side: never below MIN_SIDE (a receipt's few lines still need room), never
# above the engine's own limit.
DETECTION_TEXT_HEIGHT = 8.0
MIN_SIDE = 640
MAX_SIDE = 2000
MIN_CROP_RATIO: float | None = 4.0


def detection_scale(height: int, width: int, text_height: float) -> float:
    """How much the page is shrunk for detection: the text to DETECTION_TEXT_HEIGHT,
    the longest side kept within [MIN_SIDE, MAX_SIDE] and never enlarged."""
    longest = max(height, width)
    wanted = longest * DETECTION_TEXT_HEIGHT / text_height
    return min(MAX_SIDE, longest, max(MIN_SIDE, wanted)) / longest


def content_box(grey, pad: float) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the page's ink with `pad` pixels around it: the white margins
    (three quarters of a receipt's page) cost detection time and hold nothing. Taken on
    a copy shrunk four times, where a scanner's lone specks fade to light grey and
    text stays dark."""
    import cv2
    import numpy as np

    height, width = grey.shape
    small = cv2.resize(grey, (max(1, width // 4), max(1, height // 4)),
                       interpolation=cv2.INTER_AREA)
    rows = np.flatnonzero((small < 200).any(axis=1))
    columns = np.flatnonzero((small < 200).any(axis=0))
    if rows.size == 0:
        return 0, 0, width, height
    return (max(0, int(columns[0] * 4 - pad)), max(0, int(rows[0] * 4 - pad)),
            min(width, int(columns[-1] * 4 + 4 + pad)), min(height, int(rows[-1] * 4 + 4 + pad)))


def detect(engine, rgb, text_height: float):
    """The text segments' four-point boxes in the page's pixels, top to bottom; [] for
    a page without text; None when the engine's own call must do it (see above).
    Detection runs on the content box only, at the page's detection scale."""
    import numpy as np
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    height, width = rgb.shape[:2]
    if text_height <= 0 or max(height, width) > MAX_SIDE or height <= engine.min_height \
            or width / height > engine.width_height_ratio:
        return None
    scale = detection_scale(height, width, text_height)
    x0, y0, x1, y1 = content_box(rgb[:, :, 0], pad=2 * text_height)
    region = rgb[y0:y1, x0:x1]
    shape = region.shape[:2]
    if min(shape) <= engine.min_height:
        region, shape, x0, y0 = rgb, (height, width), 0, 0
    detector = engine.text_det
    side = max(32, round(max(shape) * scale))
    tensor = DetPreProcess(side, "max", detector.mean, detector.std)(region)
    if tensor is None:
        return None
    predicted = detector.infer(tensor)[0]
    boxes, _ = detector.postprocess_op(predicted, shape)
    boxes = detector.filter_tag_det_res(boxes, shape)
    if len(boxes) == 0:
        return []
    offset = np.array([x0, y0], dtype=np.float32)  # from the content box to the page
    return engine.sorted_boxes(boxes.astype(np.float32) + offset)


def _read_crop(recogniser, crop, min_ratio: float) -> tuple[str, float]:
    """One line crop through the recognition model, padded to at least `min_ratio`
    (width / height) instead of the engine's 320 / 48."""
    import numpy as np

    height, width = crop.shape[:2]
    ratio = max(width / max(height, 1), min_ratio)
    tensor = recogniser.resize_norm_img(crop, ratio)[np.newaxis].astype(np.float32)
    predicted = recogniser.session(tensor)[0]
    text, score = recogniser.postprocess_op(predicted)[0][:2]
    return text, float(score)


def recognise(engine, rgb, boxes) -> list[Segment]:
    """Each detected segment read from the full-size page, one crop per model call
    (see ocr.RECOGNITION_BATCH); segments the recogniser is not sure of (below the
    engine's text score) are dropped, as its own call does."""
    if not boxes:
        return []
    crops = engine.get_crop_img_list(rgb, boxes)
    if MIN_CROP_RATIO is None:
        read, _ = engine.text_rec(crops)
    else:
        read = [_read_crop(engine.text_rec, crop, MIN_CROP_RATIO) for crop in crops]
    return [Segment.from_quad(box, result[0], float(result[1]))
            for box, result in zip(boxes, read, strict=True)
            if float(result[1]) >= engine.text_score]
