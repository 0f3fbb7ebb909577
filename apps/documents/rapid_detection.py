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


def detection_side(height: int, width: int, text_height: float) -> int:
    """The longest side of the image detection runs on."""
    longest = max(height, width)
    wanted = longest * DETECTION_TEXT_HEIGHT / text_height
    return int(min(MAX_SIDE, longest, max(MIN_SIDE, wanted)))


def detect(engine, rgb, text_height: float):
    """The text segments' four-point boxes in the page's pixels, top to bottom; [] for
    a page without text; None when the engine's own call must do it (see above)."""
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    height, width = rgb.shape[:2]
    if text_height <= 0 or max(height, width) > MAX_SIDE or height <= engine.min_height \
            or width / height > engine.width_height_ratio:
        return None
    detector = engine.text_det
    side = detection_side(height, width, text_height)
    tensor = DetPreProcess(side, "max", detector.mean, detector.std)(rgb)
    if tensor is None:
        return None
    predicted = detector.infer(tensor)[0]
    boxes, _ = detector.postprocess_op(predicted, (height, width))
    boxes = detector.filter_tag_det_res(boxes, (height, width))
    if len(boxes) == 0:
        return []
    return engine.sorted_boxes(boxes)


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
