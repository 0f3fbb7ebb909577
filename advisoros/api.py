"""Shared REST API pieces: pagination that treats a malformed cursor as bad input."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class StrictCursorPagination(CursorPagination):
    """DRF answers a cursor it cannot decode with 404; it is the client's malformed input,
    so say 400 and name the parameter."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: ["This cursor is not valid."]}) \
                from exc
