"""The API's JSON renderer: DRF's JSONRenderer output, rendered by orjson.

DRF renders with `json.dumps` and a Python `default` hook; on a warm API request that was
about a tenth of the web worker's CPU. orjson writes the same bytes for everything our
views answer (dicts, lists, strings, ints, Decimal-as-string, dates, UUIDs, lazy strings):
datetimes in ISO 8601 with a UTC offset written `Z`, as DRF does; anything else orjson
does not know goes through DRF's own encoder hook. Whatever orjson cannot write exactly as
DRF would (integers past 64 bits, NaN, an indented rendering a client asked for) is
rendered by DRF itself; tests/api/test_json_renderer.py compares the two.
"""

from __future__ import annotations

import math

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
# DRF escapes the two line separators JavaScript does not accept raw in a string.
_LINE_SEPARATORS = ("\u2028".encode(), "\u2029".encode())
_encoder_default = JSONEncoder().default


def _default(value):
    converted = _encoder_default(value)
    if isinstance(converted, float) and not math.isfinite(converted):
        raise ValueError("Out of range float values are not JSON compliant")
    return converted


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_default, option=_OPTIONS)
        except (orjson.JSONEncodeError, ValueError, TypeError):
            # Something only DRF writes its own way (a 65-bit int, a float that is not
            # finite): DRF answers as it always did, error included.
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered:
            rendered = rendered.replace(_LINE_SEPARATORS[0], b"\\u2028").replace(
                _LINE_SEPARATORS[1], b"\\u2029")
        return rendered
