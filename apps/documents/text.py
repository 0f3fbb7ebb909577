"""Text as it may be stored: whatever a parser or an OCR engine hands back.

PDF text extraction can yield lone UTF-16 surrogates (a ToUnicode map pointing at half a
pair), NUL bytes and control characters. Postgres refuses the first two (the write fails
and, before this module, took its task and the rest of its chunk with it); the third makes
search and display misbehave. Everything the pipeline stores goes through `clean_text`.
"""

from __future__ import annotations

import re

# Lone surrogates become U+FFFD (something was there, it could not be read); NUL and the
# other C0/C1 controls go, except tab, newline and form feed (the page separator).
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    text = _SURROGATES.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def clean_value(value):
    """clean_text through the JSON-like values of extracted fields."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value
