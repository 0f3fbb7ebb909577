"""What crosses back from the parser's child process is data, never objects: the worker
checks it as untrusted input and runs nothing the child sends."""

from __future__ import annotations

import os
import struct

import pytest

from apps.documents import parsing
from apps.documents.parsing import (
    PageImage,
    Parsed,
    ParseError,
    decode_outcome,
    encode_outcome,
    parse_isolated,
)
from tests.documents.samples import W2_LINES, pdf_bytes, text_image


class _Exploit(Parsed):
    """What a parser exploited in the child could hand back: an object whose unpickling
    runs code of the child's choosing in the worker (here: creating a marker folder)."""

    marker = ""

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_an_exploited_child_cannot_run_code_in_the_worker(monkeypatch, tmp_path):
    marker = tmp_path / "ran-in-the-worker"
    evil = _Exploit(text="harmless looking", pages=1)
    evil.marker = str(marker)
    # The fork inherits the patched parser, as it would inherit an exploited one.
    monkeypatch.setattr(parsing, "parse", lambda data, kind: evil)

    parsed = parse_isolated(b"%PDF-1.4", "pdf", seconds=10, memory_mb=512)

    assert not marker.exists()
    assert type(parsed) is Parsed and parsed.text == "harmless looking"


def test_text_and_page_images_come_back_as_data():
    parsed = parse_isolated(text_image(["Invoice 12"], fmt="TIFF"), "tiff", seconds=20,
                            memory_mb=512)
    embedded = parse_isolated(pdf_bytes(W2_LINES), "pdf", seconds=20, memory_mb=512)

    assert parsed.pages == 1 and len(parsed.images) == 1
    image = parsed.images[0]
    assert len(image.pixels) == image.width * image.height
    assert "Wage and Tax Statement" in embedded.text and embedded.images == []


def test_failures_come_back_as_reasons():
    with pytest.raises(ParseError, match="damaged"):
        parse_isolated(b"%PDF-1.4 not really", "pdf", seconds=20, memory_mb=512)


def test_round_trip_keeps_a_lone_surrogate_for_the_cleaner():
    outcome = Parsed(text="total \ud800 due", pages=1,
                     images=[PageImage(3, 2, bytes(range(6)))])

    back = decode_outcome(encode_outcome(outcome))

    assert (back.text, back.pages, back.images) == (outcome.text, 1, outcome.images)


def _payload(header: bytes, pixels: bytes = b"") -> bytes:
    return struct.pack("!Q", len(header)) + header + pixels


@pytest.mark.parametrize("payload", [
    b"",
    b"\x80\x04\x95",  # a pickle
    _payload(b"not json"),
    _payload(b"[1, 2]"),
    _payload(b'{"status": "ok", "text": 5, "pages": 1, "images": []}'),
    _payload(b'{"status": "ok", "text": "", "pages": 1, "images": [[2, 2]]}', b"abc"),
    _payload(b'{"status": "ok", "text": "", "pages": 1, "images": [[2, 2]]}', b"abcde"),
    _payload(b'{"status": "ok", "text": "", "pages": 1, "images": [[99999, 1]]}'),
    _payload(b'{"status": "ok", "text": "", "pages": -1, "images": []}'),
    struct.pack("!Q", 10 ** 12) + b"{}",
])
def test_malformed_answers_are_a_parse_error(payload):
    with pytest.raises(ParseError, match="stop unexpectedly"):
        decode_outcome(payload)


def test_no_pickle_on_the_boundary():
    from pathlib import Path

    source = Path(parsing.__file__).read_text(encoding="utf-8")

    assert "pickle" not in source
