"""The external OCR backend against a real HTTP server on 127.0.0.1: rate limit, retries
with backoff, circuit breaker, and a document that fails with the reason."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.documents.models import Document
from apps.documents.ocr import HttpOcrBackend
from apps.documents.parsing import PageImage
from apps.documents.pipeline import document_process
from apps.documents.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    ExternalServiceError,
    RateLimiter,
    ResilientCaller,
    RetryPolicy,
)
from apps.documents.services import documents_upload
from tests.documents.samples import INVOICE_LINES, text_image, upload

PAGE = PageImage(4, 2, bytes(8))


class FakeOcrServer:
    """Answers POSTs from a script of status codes (then 200 with text for ever)."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.calls: list[float] = []
        self.text = "Invoice Number: INV-9\nAmount Due: $10.00"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.calls.append(time.time())
                status = server.script.pop(0) if server.script else 200
                body = json.dumps({"text": server.text, "confidence": 0.97}).encode() \
                    if status == 200 else b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ocr"


@pytest.fixture
def ocr_server() -> Iterator[FakeOcrServer]:
    server = FakeOcrServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _backend(server: FakeOcrServer, *, rate: int = 100, threshold: int = 5,
             retries: int = 3) -> HttpOcrBackend:
    return HttpOcrBackend(server.url, timeout=5, caller=ResilientCaller(
        limiter=RateLimiter("test-ocr", rate), breaker=CircuitBreaker("test-ocr", threshold,
                                                                       cooldown=30),
        retry=RetryPolicy(retries=retries, base_delay=0.01, max_delay=0.05)))


def test_a_page_is_read_by_the_service(ocr_server):
    result = _backend(ocr_server).read(PAGE)

    assert result.text.startswith("Invoice Number") and result.confidence == 0.97
    assert len(ocr_server.calls) == 1


def test_transient_errors_are_retried_then_succeed(ocr_server):
    ocr_server.script = [503, 429, 500]

    result = _backend(ocr_server).read(PAGE)

    assert result.confidence == 0.97
    assert len(ocr_server.calls) == 4  # three retries, then the answer


def test_after_three_retries_the_call_fails_with_the_reason(ocr_server):
    ocr_server.script = [503] * 10

    with pytest.raises(ExternalServiceError) as caught:
        _backend(ocr_server).read(PAGE)

    assert len(ocr_server.calls) == 4
    assert "failed after 4 attempts" in str(caught.value) and "503" in str(caught.value)


def test_a_refusal_is_not_retried(ocr_server):
    ocr_server.script = [400]

    with pytest.raises(ExternalServiceError, match="refused the page"):
        _backend(ocr_server).read(PAGE)

    assert len(ocr_server.calls) == 1


def test_the_breaker_opens_and_then_fails_fast(ocr_server):
    ocr_server.script = [500] * 10
    backend = _backend(ocr_server, threshold=2, retries=5)

    with pytest.raises(ExternalServiceError):
        backend.read(PAGE)
    calls_when_opened = len(ocr_server.calls)
    with pytest.raises(CircuitOpenError):
        backend.read(PAGE)

    assert calls_when_opened == 2  # opened after two failures, retries stopped
    assert len(ocr_server.calls) == 2  # the open breaker sent nothing


def test_the_breaker_lets_one_trial_through_after_cooldown(ocr_server):
    breaker = CircuitBreaker("test-ocr", threshold=1, cooldown=0.2)
    breaker.record_failure()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()
    time.sleep(0.25)

    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpenError, match="half-open"):
        breaker.before_call()
    breaker.record_success()
    breaker.before_call()


def test_the_rate_limit_holds_calls_per_second(ocr_server):
    backend = _backend(ocr_server, rate=3)

    for _ in range(7):
        backend.read(PAGE)

    from collections import Counter

    per_second = Counter(int(call) for call in ocr_server.calls)
    # Seven calls at three per wall-clock second span at least three seconds.
    assert max(per_second.values()) <= 3 and len(per_second) >= 3


@pytest.mark.django_db
def test_a_document_fails_with_the_reason_and_can_be_retried(client_a, ocr_server, settings):
    settings.DOCUMENTS_OCR_BACKEND = "http"
    settings.DOCUMENTS_OCR_URL = ocr_server.url
    ocr_server.script = [503] * 4
    document = documents_upload(client=client_a, files=[upload("scan.png", text_image(
        INVOICE_LINES))], category="other", uploaded_by_id=None).created[0]
    backend = _backend(ocr_server)

    document_process(document_id=document.pk, backend=backend)
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "Text recognition failed" in document.failure_reason
    assert "503" in document.failure_reason

    from apps.documents.services import document_retry

    document_retry(document=document)
    document_process(document_id=document.pk, backend=backend)
    document.refresh_from_db()
    assert (document.status, document.doc_type, document.text_source) == (
        "processed", "invoice", "ocr")
    assert document.fields["total"]["value"] == "10.00"
