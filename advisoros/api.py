"""Shared REST API pieces: pagination that treats a malformed cursor or page size as bad
input (400 with the parameter named), not as something to ignore or a 404."""

from __future__ import annotations

import re

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

_CURSOR_SHAPE = re.compile(r"[A-Za-z0-9_=-]{4,512}")


class StrictCursorPagination(CursorPagination):
    """DRF answers a cursor it cannot decode with 404; it is the client's malformed input,
    so say 400 and name the parameter."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        invalid = ValidationError({self.cursor_query_param: ["This cursor is not valid."]})
        # DRF decodes what it can and treats leftovers as "the first page"; a cursor we
        # never issued is the client's error.
        if not _CURSOR_SHAPE.fullmatch(raw):
            raise invalid
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise invalid from exc
        if cursor is None or (cursor.offset == 0 and not cursor.reverse
                              and cursor.position is None):
            raise invalid
        return cursor

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                f"A whole number from 1 to {self.max_page_size}."]})
        return int(raw)
