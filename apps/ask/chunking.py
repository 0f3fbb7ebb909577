"""Cutting a document's text into overlapping passages, page by page.

Pages are separated by a form feed in Document.text (apps/documents/text.py keeps it).
Windows are about CHUNK_CHARS long, overlap by CHUNK_OVERLAP, and end on a word boundary
when one is near, so a value split across a window edge is whole in the next window.
"""

from __future__ import annotations

from dataclasses import dataclass

CHUNK_CHARS = 700
CHUNK_OVERLAP = 150
PAGE_BREAK = "\f"


@dataclass(frozen=True)
class Passage:
    page: int  # 1-based
    start: int  # offsets inside the page's text
    end: int
    text: str


def _window_end(page_text: str, start: int) -> int:
    end = min(len(page_text), start + CHUNK_CHARS)
    if end < len(page_text):
        space = page_text.rfind(" ", start + CHUNK_CHARS // 2, end)
        if space > 0:
            end = space
    return end


def passages_of(text: str) -> list[Passage]:
    passages: list[Passage] = []
    for number, page_text in enumerate(text.split(PAGE_BREAK), start=1):
        start = 0
        while start < len(page_text):
            end = _window_end(page_text, start)
            piece = page_text[start:end]
            if piece.strip():
                passages.append(Passage(page=number, start=start, end=end, text=piece))
            if end >= len(page_text):
                break
            start = max(end - CHUNK_OVERLAP, start + 1)
            # Start the overlap at a word, not inside one.
            space = page_text.find(" ", start, end)
            if 0 <= space < end - 1:
                start = space + 1
    return passages
