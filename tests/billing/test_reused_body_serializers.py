"""Request bodies are checked, and invoice answers shaped, by serializers built once per
thread (advisoros/api.py): one body's values or errors never reach the next request,
sequentially or from several threads at once, and a bad body is still a 400 by field."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from advisoros.api import _built, output_data, validated_body
from apps.billing.api.serializers import InvoiceCreateInput, LineOutput

LINE = {"description": "Bookkeeping", "quantity": "2", "unit_price": "80.00"}


def _request(body) -> Request:
    import json

    raw = APIRequestFactory().post("/x/", json.dumps(body), content_type="application/json")
    return Request(raw, parsers=[JSONParser()])


def test_the_serializer_is_built_once_per_thread():
    assert _built(InvoiceCreateInput) is _built(InvoiceCreateInput)
    other: list = []
    thread = threading.Thread(target=lambda: other.append(_built(InvoiceCreateInput)))
    thread.start()
    thread.join()
    assert other[0] is not _built(InvoiceCreateInput)


def test_sequential_bodies_do_not_leak_into_each_other():
    first = validated_body(InvoiceCreateInput, _request(
        {"client": 1, "notes": "first", "payment_terms": "net_15",
         "lines": [LINE, {**LINE, "description": "Payroll", "tax_rate": "0.05"}]}))
    second = validated_body(InvoiceCreateInput, _request({"client": 2, "lines": [LINE]}))

    assert first["client"] == 1 and first["notes"] == "first"
    assert first["payment_terms"] == "net_15" and len(first["lines"]) == 2
    assert first["lines"][1]["tax_rate"] == Decimal("0.05")
    # Defaults, not the first body's values.
    assert second == {"client": 2, "payment_terms": "net_30", "currency": "USD", "notes": "",
                      "lines": [{"description": "Bookkeeping", "quantity": Decimal("2"),
                                 "unit_price": Decimal("80.00"), "tax_rate": Decimal("0")}]}


def test_errors_are_400s_by_field_and_do_not_stay_for_the_next_body():
    body = {"client": 0, "lines": [{**LINE, "unit_price": "-5"}, LINE]}
    with pytest.raises(ValidationError) as refused:
        validated_body(InvoiceCreateInput, _request(body))

    assert refused.value.status_code == 400
    detail = refused.value.detail
    fresh = InvoiceCreateInput(data=body)
    assert not fresh.is_valid()
    assert detail == fresh.errors  # what a serializer built for this body says
    assert set(detail) == {"client", "lines"} and list(detail["lines"]) == [0]
    assert "greater than or equal to 1" in str(detail["client"][0])
    accepted = validated_body(InvoiceCreateInput, _request({"client": 3, "lines": [LINE]}))
    assert accepted["client"] == 3


def test_a_body_that_is_not_an_object_is_a_400():
    with pytest.raises(ValidationError) as refused:
        validated_body(InvoiceCreateInput, _request([1, 2]))

    assert refused.value.detail == {"non_field_errors": ["Send a JSON object."]}


def test_concurrent_bodies_each_get_their_own_values_and_errors():
    results: dict[int, object] = {}

    def check(n: int) -> None:
        body = {"client": n, "notes": f"body {n}",
                "lines": [{**LINE, "quantity": str(n)}] * (1 + n % 3)}
        if n % 4 == 0:
            body["lines"] = []  # refused: at least one line
        outcomes = []
        for _ in range(30):
            try:
                data = validated_body(InvoiceCreateInput, _request(body))
                outcomes.append((data["client"], data["notes"], len(data["lines"]),
                                 data["lines"][0]["quantity"]))
            except ValidationError as exc:
                outcomes.append(("refused", sorted(exc.detail)))
        results[n] = outcomes

    threads = [threading.Thread(target=check, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for n, outcomes in results.items():
        expected = ("refused", ["lines"]) if n % 4 == 0 else (
            n, f"body {n}", 1 + n % 3, Decimal(n))
        assert outcomes == [expected] * 30, n


def test_output_is_what_the_serializer_data_would_be():
    line = {"position": 1, "description": "Audit", "quantity": Decimal("1.5"),
            "unit_price": Decimal("10.00"), "tax_rate": Decimal("0.05"),
            "amount": Decimal("15.00"), "tax_amount": Decimal("0.75")}

    assert output_data(LineOutput, line) == LineOutput(line).data
    assert output_data(LineOutput, {**line, "position": 2})["position"] == 2
