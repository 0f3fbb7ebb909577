"""OCR backends behind one interface, chosen by DOCUMENTS_OCR_BACKEND.

- `rapidocr`: local, models shipped in the pip package, no network (the default).
- `tesseract`: the `tesseract` binary, when installed.
- `http`: an external OCR service (POST image/png, JSON {"text", "confidence"} back),
  always through the rate limit, circuit breaker and retries of resilience.py.

Pages of one document are read in parallel, at most DOCUMENTS_OCR_THREADS at a time
(onnxruntime releases the GIL while it computes).
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings

from apps.documents import rapid_detection
from apps.documents.imaging import prepare_page
from apps.documents.ocr_lines import Segment, lines_text
from apps.documents.parsing import PageImage
from apps.documents.resilience import (
    CircuitBreaker,
    ExternalServiceError,
    RateLimiter,
    ResilientCaller,
    RetryPolicy,
    TransientError,
)

log = logging.getLogger(__name__)
# Line crops recognised per model call: one. A batch is padded to its widest crop and
# the recogniser's cost grows faster than the width it reads (48 px high crops, one
# thread: 0.07 s at 10:1, 0.18 s at 20:1, 0.59 s at 40:1), so batching gains nothing and
# pads short crops to the longest: ten crops of a 1099 page took 0.98 s one by one
# against 2.84 s in RapidOCR's default batches of six.
RECOGNITION_BATCH = 1


@dataclass
class OcrText:
    text: str
    confidence: float
    # Page numbers (1-based) not read because the time budget ran out, and how many pages
    # there were: a document with skipped pages goes to review saying so.
    skipped: list[int] = field(default_factory=list)
    pages: int = 0
    # Where the text was read, one entry per page in page order (apps/documents/layout.py
    # shape: {"w", "h", "words": [[x0, y0, x1, y1, text], ...]} in the pixels of the page
    # image that was read), and those page images, so the review preview shows exactly
    # what was read and its boxes match. Empty for a backend that gives no positions.
    layout: list[dict] = field(default_factory=list)
    images: list[PageImage] = field(default_factory=list)
    # CPU seconds by phase ("prepare", "detect", "recognise"), summed over the pages read,
    # each measured on the thread that did it (benchmarks report where a scan's time goes).
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def budget_note(self) -> str:
        if not self.skipped:
            return ""
        return (f"Text recognition stopped at its time budget "
                f"({settings.DOCUMENTS_OCR_PAGE_SECONDS} s a page, "
                f"{settings.DOCUMENTS_OCR_DOCUMENT_SECONDS} s a document): "
                f"{_page_list(self.skipped)} of {self.pages} not read; check the pages "
                "against the file.")


def _page_list(numbers: list[int]) -> str:
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs]
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(parts)


class OcrBackend(Protocol):
    name: str

    def read(self, page: PageImage) -> OcrText: ...


def _page_layout(page: PageImage, boxes: list[tuple[float, float, float, float, str]]
                 ) -> dict:
    """One page's read segments, (x0, y0, x1, y1, text) in the page image's pixels,
    rounded to whole pixels (compact JSON; a pixel is finer than any highlight)."""
    return {"w": page.width, "h": page.height,
            "words": [[round(x0), round(y0), round(x1), round(y1), text]
                      for x0, y0, x1, y1, text in boxes if text.strip()]}


def _read_lines(page: PageImage, segments: list[Segment]) -> OcrText:
    """The page's text in reading order (ocr_lines.py) and where each segment was read."""
    text, confidence = lines_text(segments)
    read = OcrText(text, confidence)
    read.layout = [_page_layout(page, [(s.x0, s.y0, s.x1, s.y1, s.text) for s in segments])]
    return read


class RapidOcrBackend:
    name = "rapidocr"
    _engine = None
    _lock = threading.Lock()

    @classmethod
    def engine(cls):
        with cls._lock:
            if cls._engine is None:
                from rapidocr_onnxruntime import RapidOCR

                # One thread per model call: a worker has one process per core already.
                cls._engine = RapidOCR(intra_op_num_threads=settings.DOCUMENTS_OCR_THREADS,
                                       inter_op_num_threads=1, use_cls=False,
                                       rec_batch_num=RECOGNITION_BATCH)
            return cls._engine

    def read(self, page: PageImage) -> OcrText:
        import numpy as np

        engine = self.engine()
        pixels = np.frombuffer(page.pixels, dtype=np.uint8).reshape(page.height, page.width)
        rgb = np.stack([pixels] * 3, axis=-1)
        started = time.thread_time()
        boxes = rapid_detection.detect(engine, rgb, page.text_height)
        if boxes is None:  # a page shape the engine handles its own way (a thin strip)
            result, _ = engine(rgb, use_cls=False)
            read = _read_lines(page, [Segment.from_quad(box, text, float(score))
                                      for box, text, score in result or []])
            read.phases = {"detect": time.thread_time() - started}
            return read
        detected = time.thread_time()
        segments = rapid_detection.recognise(engine, rgb, boxes)
        read = _read_lines(page, segments)
        read.phases = {"detect": detected - started,
                       "recognise": time.thread_time() - detected}
        return read


class TesseractBackend:
    name = "tesseract"

    @staticmethod
    def available() -> bool:
        return shutil.which("tesseract") is not None

    def read(self, page: PageImage) -> OcrText:
        png = io.BytesIO()
        page.to_pil().save(png, format="PNG")
        done = subprocess.run(["tesseract", "stdin", "stdout", "tsv"], input=png.getvalue(),
                              capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise ExternalServiceError("tesseract could not read the page")
        segments = []
        for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) == 12 and cols[11].strip() and float(cols[10]) >= 0:
                left, top, width, height = (float(cols[n]) for n in (6, 7, 8, 9))
                segments.append(Segment(left, top, left + width, top + height, cols[11],
                                        float(cols[10]) / 100))
        return _read_lines(page, segments)


class HttpOcrBackend:
    """An external OCR service. Every call goes through the resilient caller."""

    name = "http"

    def __init__(self, url: str, *, caller: ResilientCaller | None = None,
                 timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self.caller = caller or ResilientCaller(
            limiter=RateLimiter("ocr-http", settings.DOCUMENTS_OCR_RATE_PER_SECOND),
            breaker=CircuitBreaker("ocr-http"), retry=RetryPolicy())

    def _post(self, body: bytes) -> OcrText:
        if not self.url.startswith(("http://", "https://")):
            raise ExternalServiceError("DOCUMENTS_OCR_URL must be an http(s) address")
        request = urllib.request.Request(self.url, data=body, method="POST",  # noqa: S310
                                         headers={"Content-Type": "image/png"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read(5_000_000))
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise TransientError(f"OCR service answered {exc.code}") from exc
            raise ExternalServiceError(f"OCR service refused the page ({exc.code})") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientError(f"OCR service unreachable ({exc})") from exc
        except json.JSONDecodeError as exc:
            raise TransientError("OCR service sent an unreadable answer") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise ExternalServiceError("OCR service sent an answer without text")
        return OcrText(payload["text"], float(payload.get("confidence") or 0.0))

    def read(self, page: PageImage) -> OcrText:
        png = io.BytesIO()
        page.to_pil().save(png, format="PNG")
        body = png.getvalue()
        return self.caller.call(lambda: self._post(body))


def ocr_backend() -> OcrBackend:
    chosen = settings.DOCUMENTS_OCR_BACKEND
    if chosen == "http":
        if not settings.DOCUMENTS_OCR_URL:
            raise ExternalServiceError("DOCUMENTS_OCR_URL is not set")
        return HttpOcrBackend(settings.DOCUMENTS_OCR_URL)
    if chosen == "tesseract" and TesseractBackend.available():
        return TesseractBackend()
    return RapidOcrBackend()


def _read_prepared(backend: OcrBackend, page: PageImage) -> OcrText:
    """The page turned upright, straightened, evenly lit and scaled (imaging.py), then
    read. Preparation that fails on an odd page must not cost the reading: the page is
    then read as it came."""
    started = time.thread_time()
    try:
        page = prepare_page(page)
    except Exception:  # any failure of this optional step falls back to the page as is
        log.exception("page preparation failed; reading the page as it is")
    prepared = time.thread_time() - started
    read = backend.read(page)
    read.phases = {"prepare": prepared, **read.phases}
    return read


def ocr_pages(pages: list[PageImage], backend: OcrBackend | None = None, *,
              page_seconds: float | None = None, document_seconds: float | None = None,
              on_page: Callable[[], None] | None = None, prepare: bool = True) -> OcrText:
    """Read the pages, several at once (bounded), and join them in page order, within a
    time budget: a page still unread after `page_seconds`, and every page once
    `document_seconds` are spent, is skipped (listed in `skipped`). A page engine cannot
    be interrupted, so an overrunning read is abandoned to finish in the background, its
    result unused. `on_page` runs after each page (the pipeline's sign of life).
    Each page is prepared first (`prepare`, imaging.prepare_page), within its budget, so
    every backend reads upright, straight pages."""
    backend = backend or ocr_backend()
    if not pages:
        return OcrText("", 0.0)
    page_seconds = page_seconds or settings.DOCUMENTS_OCR_PAGE_SECONDS
    deadline = time.monotonic() + (document_seconds or settings.DOCUMENTS_OCR_DOCUMENT_SECONDS)
    workers = max(1, min(settings.DOCUMENTS_OCR_PAGE_PARALLELISM, len(pages)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr-page")
    read: list[OcrText] = []
    skipped: list[int] = []
    layout: list[dict] = []
    try:
        read_page = (lambda page: _read_prepared(backend, page)) if prepare else backend.read
        futures = [pool.submit(read_page, page) for page in pages]
        for number, future in enumerate(futures, start=1):
            left = deadline - time.monotonic()
            if left <= 0 and not future.done():
                skipped.append(number)
                future.cancel()
                layout.append(_unread_page(pages[number - 1]))
                continue
            try:
                read.append(future.result(timeout=max(0.0, min(page_seconds, left))))
                layout.append(_read_page(read[-1], pages[number - 1]))
            except FutureTimeout:
                skipped.append(number)
                future.cancel()
                layout.append(_unread_page(pages[number - 1]))
            if on_page is not None:
                on_page()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    text = "\n\f\n".join(result.text for result in read)
    confidence = min((result.confidence for result in read), default=0.0)
    phases: dict[str, float] = {}
    for result in read:
        for phase, seconds in result.phases.items():
            phases[phase] = phases.get(phase, 0.0) + seconds
    # The pages as handed to the backend: the preview shows what was read.
    return OcrText(text, confidence, skipped=skipped, pages=len(pages), layout=layout,
                   images=list(pages), phases=phases)


def _read_page(result: OcrText, page: PageImage) -> dict:
    if result.layout:
        return result.layout[0]
    return {"w": page.width, "h": page.height, "words": []}  # a backend without positions


def _unread_page(page: PageImage) -> dict:
    return {"w": page.width, "h": page.height, "words": [], "skipped": True}
