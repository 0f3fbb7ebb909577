"""Shared REST API pieces: pagination that treats a malformed cursor or page size as bad
input (400 with the parameter named), not as something to ignore or a 404; the one check
of a request body (`validated_body`) and of a service's refusal (`service_errors`), and
responses shaped by a serializer built once per thread (`output_data`)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.fields import IsoDateTimeField
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.serializers import Serializer

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


def service_errors(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as the API's 400: field messages by field, and errors
    that name no field (`__all__` or a plain message) under non_field_errors."""
    if hasattr(exc, "error_dict"):
        return ValidationError({("non_field_errors" if key == "__all__" else key):
                                [str(m) for error in errors for m in error.messages]
                                for key, errors in exc.error_dict.items()})
    return ValidationError({"non_field_errors": exc.messages})


def validated_body(serializer_class: type[Serializer], request: Request) -> dict:
    """The request body checked by `serializer_class`: its validated data, or a 400 with
    messages by field. A body that is not JSON or not a JSON object (an array, a string,
    null) answers the same way, under non_field_errors, so a client reads every refusal of
    its body in one shape. Every API view that takes a body starts here."""
    try:
        body = request.data
    except ParseError as exc:
        raise ValidationError({"non_field_errors": [
            "The body is not valid JSON: send a JSON object."]}) from exc
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    # What `is_valid(raise_exception=True)` does, on this thread's built serializer: the
    # same validated data, the same 400 by field (run_validation raises it).
    return _built(serializer_class).run_validation(body)


def output_data(serializer_class: type[Serializer], instance) -> dict:
    """`serializer_class(instance).data`, on this thread's built serializer."""
    return _built(serializer_class).to_representation(instance)


# Serializers built once per thread. Building one deep-copies every declared field (the
# nested line serializer's too): on an invoice creation that was more CPU than validating
# the body. A built serializer keeps no state between calls as these helpers use it:
# `run_validation` and `to_representation` return their result and keep nothing (unlike
# `is_valid` and `.data`, which these helpers do not call), and no context is given, so
# nothing of one request can reach the next (tests/billing/test_reused_body_serializers.py).
# Per thread: fields are not meant to be shared by concurrent calls.
_thread_serializers = threading.local()


def _built(serializer_class: type[Serializer]) -> Serializer:
    built = _thread_serializers.__dict__.setdefault("by_class", {})
    serializer = built.get(serializer_class)
    if serializer is None:
        serializer = serializer_class()
        serializer.fields  # noqa: B018 (builds and binds every field now)
        built[serializer_class] = serializer
    return serializer


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

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1,
                                       "maximum": self.max_page_size}
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Opaque: the `next` or `previous` link of a page we returned. Any other "
                    "value is a 400.")
                parameter["schema"] = {"type": "string", "pattern": _CURSOR_SHAPE.pattern}
        return parameters

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


# --- OpenAPI: filter parameters carry their validation limits -------------------------


def _json_number(value) -> int | float:
    return int(value) if value == int(value) else float(value)


class BoundedDjangoFilterExtension(DjangoFilterExtension):
    """django-filter parameters with the limits their form fields enforce (minimum,
    maximum, whole numbers, length, no NUL), so the schema says what is accepted and a
    schema-valid value is never refused."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name,
                             filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class,
                                                  field_name, filter_field)
        try:
            field = filter_field.field
        except Exception:  # a filter whose field cannot be built alone: leave it as is
            return parameters
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "array":
                schema = schema.get("items", {})
            if isinstance(field, forms.DecimalField) and field.decimal_places == 0:
                schema["type"] = "integer"
                schema.pop("format", None)
            if getattr(field, "min_value", None) is not None:
                schema["minimum"] = _json_number(field.min_value)
            if getattr(field, "max_value", None) is not None:
                schema["maximum"] = _json_number(field.max_value)
            if isinstance(field, forms.DecimalField) and field.decimal_places:
                step = Decimal(1).scaleb(-field.decimal_places)
                schema["multipleOf"] = float(step)
                if field.max_digits is not None:
                    largest = Decimal(10) ** (field.max_digits - field.decimal_places) - step
                    schema["maximum"] = min(schema.get("maximum", float(largest)),
                                            float(largest))
            if not filter_field.extra.get("required"):
                # django-filter reads `?name=` as "no filter", and so do we.
                parameter["allowEmptyValue"] = True
            if isinstance(field, forms.CharField) and schema.get("type") == "string" \
                    and "enum" not in schema and not schema.get("format"):
                if field.max_length is not None:
                    schema["maxLength"] = field.max_length
                schema["pattern"] = "^[^\\u0000]*$"
        return parameters


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nested_fields(schema: dict, components: dict) -> bool:
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for field in schema.get("properties", {}).values():
        nested = "$ref" in field or field.get("type") in ("array", "object") \
            or "allOf" in field
        binary = "binary" in (field.get("format"), field.get("items", {}).get("format"))
        if nested and not binary:
            return True
    return False


def json_bodies_for_nested_input(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: a body with lists or objects inside (invoice
    lines, match criteria) can only be sent as JSON; offering form encodings for it in the
    schema promised something the API cannot read. Uploads keep multipart."""
    components = result.get("components", {}).get("schemas", {})
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            content = (operation.get("requestBody") or {}).get("content", {}) \
                if isinstance(operation, dict) else {}
            json_schema = content.get("application/json", {}).get("schema")
            if json_schema and _has_nested_fields(json_schema, components):
                for media_type in _FORM_TYPES:
                    content.pop(media_type, None)
    return result


# DRF's DecimalField as drf-spectacular writes it: `^-?\d{0,8}(?:\.\d{0,2})?$` also
# matches "", "-" and ".", which DRF refuses ("A valid number is required").
_LOOSE_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _tighten_decimals(node) -> None:
    if isinstance(node, dict):
        pattern = node.get("pattern")
        match = _LOOSE_DECIMAL.match(pattern) if isinstance(pattern, str) else None
        if match and node.get("format") == "decimal":
            whole, places = match.groups()
            node["pattern"] = (rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{1,{places}}})?"
                               rf"|\.\d{{1,{places}}})$")
        for value in node.values():
            _tighten_decimals(value)
    elif isinstance(node, list):
        for value in node:
            _tighten_decimals(value)


def decimals_need_a_digit(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: decimal strings must have a digit."""
    _tighten_decimals(result)
    return result


class RequestDecimalExtension(OpenApiSerializerFieldExtension):
    """Money and quantities in request bodies as numbers with their real limits (DRF
    accepts a JSON number or a numeric string; responses stay exact decimal strings).
    drf-spectacular's string pattern loses `min_value` and allows "", "-" and "."."""

    target_class = "rest_framework.fields.DecimalField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if direction != "request":
            return auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        step = Decimal(1).scaleb(-(field.decimal_places or 0))
        schema: dict = {"type": "number", "multipleOf": float(step)}
        if field.max_whole_digits is not None:
            largest = Decimal(10) ** field.max_whole_digits - step
            schema["maximum"], schema["minimum"] = float(largest), float(-largest)
        if field.min_value is not None:
            schema["minimum"] = float(field.min_value)
        if field.max_value is not None:
            schema["maximum"] = min(schema.get("maximum", float(field.max_value)),
                                    float(field.max_value))
        return schema


class ListSerializerBoundsExtension(OpenApiSerializerFieldExtension):
    """Nested lists (`Serializer(many=True, min_length=1)`) keep their item limits."""

    target_class = "rest_framework.serializers.ListSerializer"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if direction == "request" and schema.get("type") == "array":
            minimum = getattr(field, "min_length", None)
            if not getattr(field, "allow_empty", True):
                minimum = max(1, minimum or 0)
            if minimum:
                schema["minItems"] = minimum
            if getattr(field, "max_length", None) is not None:
                schema["maxItems"] = field.max_length
        return schema


_TEXT_PLAIN = {None, ""}


def request_text_as_drf_reads_it(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: DRF's CharField trims whitespace and refuses
    NUL characters, so a required text (minLength >= 1) needs a visible character and no
    text may hold a NUL. Applies to request components (COMPONENT_SPLIT_REQUEST)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            if field.get("type") != "string" or field.get("format") not in _TEXT_PLAIN \
                    or "enum" in field or "pattern" in field:
                continue
            if field.get("minLength", 0) >= 1:
                field["pattern"] = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
            else:
                field["pattern"] = "^[^\\u0000]*$"
    return result
