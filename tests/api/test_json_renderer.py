"""The API's JSON renderer (advisoros/renderers.py) writes what DRF's JSONRenderer writes,
byte for byte, for everything our views answer; and it is the one the API uses."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from advisoros.renderers import FastJSONRenderer
from apps.accounts.roles import Role

UTC = dt.UTC
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")

SAME_BYTES = [
    {"id": 1, "name": "Acme", "active": True, "parent": None, "tags": ["a", "b"]},
    ReturnDict({"total": "223.20", "lines": ReturnList([{"amount": "160.00"}],
                                                        serializer=None)}, serializer=None),
    {"at": dt.datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)},
    {"at": dt.datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)},
    {"at": dt.datetime(2026, 1, 15, 9, 0, tzinfo=LONDON)},  # offset 0, not UTC: "Z" too
    {"at": dt.datetime(2026, 7, 4, 9, 0, 0, 500, tzinfo=NEW_YORK)},
    {"at": dt.datetime(2026, 7, 4, 9, 0)},  # naive
    {"day": dt.date(2026, 2, 28), "time": dt.time(8, 15, 0, 250)},
    {"amount": decimal.Decimal("1234.50"), "rate": decimal.Decimal("0.0825")},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"label": gettext_lazy("Invoices"), "choices": [gettext_lazy("Draft")]},
    {"text": "quote \" backslash \\ control \x00\x01\x1f del \x7f tab \t nl \n cr \r \b \f"},
    {"text": "line\u2028separator\u2029paragraph and é ü 漢字 😀 \u202e"},
    {"duration": dt.timedelta(hours=1, seconds=3)},
    {7: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    {"nested": {"deep": [[1, 2], {"x": [None, False]}]}, "empty": {}, "list": []},
    {"big": 2**63 - 1, "negative": -(2**63), "floats": [0.1, 1.5, -0.0, 1e15, 1e16, 1e22]},
    {"bytes": b"raw"},
    {"tuple": (1, 2)},
    [],
    "a bare string",
    42,
]


@pytest.mark.parametrize("data", SAME_BYTES, ids=range(len(SAME_BYTES)))
def test_it_writes_the_bytes_drf_writes(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_very_small_floats_are_the_same_numbers_in_another_notation():
    # The one difference: Python writes 1e-05, orjson 0.00001 (both valid JSON, same
    # value). Our answers carry money and quantities as decimal strings, not floats.
    data = {"tiny": [1e-5, 1e-7, 3.2e-9]}

    assert json.loads(FastJSONRenderer().render(data)) == json.loads(
        JSONRenderer().render(data))


def test_what_only_drf_writes_is_written_by_drf():
    beyond_64_bits = {"n": 2**64}

    assert FastJSONRenderer().render(beyond_64_bits) == JSONRenderer().render(beyond_64_bits)
    with pytest.raises(ValueError):  # as DRF: NaN is not JSON
        FastJSONRenderer().render({"x": decimal.Decimal("NaN")})
    with pytest.raises(ValueError):
        JSONRenderer().render({"x": decimal.Decimal("NaN")})


def test_an_indented_rendering_asked_for_is_drfs():
    data = {"a": [1, 2]}

    assert FastJSONRenderer().render(data, "application/json; indent=2") == \
        JSONRenderer().render(data, "application/json; indent=2")


def test_nothing_renders_as_an_empty_body():
    assert FastJSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it(firm_a):
    response = firm_a.client(Role.MANAGER).get("/api/v1/clients/")

    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response["Content-Type"] == "application/json"
