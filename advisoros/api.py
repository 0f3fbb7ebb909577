"""Shared REST API pieces: pagination that treats a malformed cursor or page size as bad
input (400 with the parameter named), not as something to ignore or a 404."""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

_CURSOR_SHAPE = re.compile(r"[A-Za-z0-9_=-]{4,512}")


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC before it reaches the database.

    Python accepts offsets up to +-23:59, PostgreSQL only up to +-15:59 (`-17:00` was a
    DataError, a 500); and a value at the edge of the calendar may not exist in UTC."""

    default_error_messages = {
        "out_of_range": "Enter a date and time that exists in UTC (years 1 to 9999).",
    }

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["out_of_range"],
                                        code="out_of_range") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


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


# --- OpenAPI: the error answers every operation can give --------------------------------

_ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; a validation error names each field "
                   "instead (`{\"field\": [\"message\"]}`).",
    "properties": {"detail": {"type": "string"}, "request_id": {"type": "string"}},
    "additionalProperties": True,
}
_ERRORS = {
    "400": "Invalid input: the body names each field (or parameter) and what is wrong.",
    "401": "No valid credentials (API key or session).",
    "403": "Signed in, but this key or person may not do this.",
    "404": "No such object here (or not visible to you).",
    "413": "The request body is larger than allowed.",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
}


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: every operation documents the error answers
    the API gives (DRF's and advisoros/errors.py's JSON), so clients and the schema fuzzer
    know them; an operation's own description of a status wins."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", _ERROR_SCHEMA)
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in _ERRORS.items():
                operation["responses"].setdefault(status, {
                    "description": description,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}})
            if method in ("post", "put", "patch"):
                operation["responses"].setdefault("405", {
                    "description": "Method not allowed.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}})
    return result
