"""Amounts read by what an amount can be: clean US amounts are trusted, OCR corruptions
are repaired but marked, and an amount that reads two ways is never taken silently."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.documents.amounts import first_amount, read_amount

cents = st.integers(min_value=0, max_value=99_999_999_99).map(lambda c: Decimal(c) / 100)


@given(cents)
def test_every_us_formatted_amount_reads_cleanly_as_itself(amount):
    for printed in (f"{amount:,.2f}", f"{amount:.2f}", f"$ {amount:,.2f}", f"${amount:,.2f}"):
        reading = read_amount(printed)
        assert reading is not None and reading.clean and reading.note == ""
        assert reading.values == (amount,)


@given(cents)
def test_negative_amounts_in_either_notation(amount):
    assert read_amount(f"-{amount:,.2f}").values == (-amount,)
    assert read_amount(f"({amount:,.2f})").values == (-amount,)


def _comma_as_point(printed: str) -> str:
    return printed.replace(",", ".")


def _point_as_comma(printed: str) -> str:
    return printed.replace(".", ",")


def _comma_as_space(printed: str) -> str:
    return printed.replace(",", " ")


@given(st.integers(min_value=1_000_00, max_value=99_999_999_99).map(lambda c: Decimal(c) / 100),
       st.sampled_from([_comma_as_point, _point_as_comma, _comma_as_space]))
def test_ocr_separator_misreads_are_repaired_but_never_trusted(amount, corrupt):
    printed = corrupt(f"{amount:,.2f}")
    reading = first_amount(f"TOTAL {printed} thank you")

    assert reading is not None and not reading.clean and reading.note
    assert amount in reading.values  # the true amount is among the readings...
    if len(reading.values) == 1:
        assert reading.value == amount  # ...and the only one unless it reads two ways


@given(st.integers(min_value=100_00, max_value=999_99).map(lambda c: Decimal(c) / 100),
       st.integers(min_value=1, max_value=2))
def test_a_separator_seen_inside_the_digits_is_repaired_and_marked(amount, where):
    # "146.58" seen as "1.46.58" (146.58, or 1.46 and something else) or "14.6.58".
    digits = f"{amount:.2f}"
    printed = digits[:where] + "." + digits[where:]
    reading = first_amount(f"TOTAL {printed}")

    assert reading is not None and not reading.clean and reading.note
    assert reading.value == amount  # the repair comes first, never the cut-off prefix


@pytest.mark.parametrize(("text", "values", "clean"), [
    ("TOTAL 1.46.58", ("146.58", "1.46"), False),
    ("Wages 65.028.08", ("65028.08",), False),
    ("Wages 65,028,08", ("65028.08",), False),
    ("Wages 65 028.08", ("65028.08",), False),
    ("Total $ 1,234.5 6", ("1234.56",), False),
    ("Total 65 128.08", ("65128.08", "128.08"), False),
    ("1 Wages 2 Federal income tax withheld 65,028.08 9,104.00", ("65028.08",), True),
    ("Box 1 65,028.08", ("65028.08",), True),
    ("Due 12/31/2024 Amount 99.10", ("99.10",), True),
    ("Tax rate 7.5% 9.61", ("9.61",), True),
    ("1.5 hours 150.00", ("150.00",), True),
    ("Ordinary business income (loss) 65,028", ("65028",), True),
    ("Ending balance (1,204.50)", ("-1204.50",), True),
    ("Schedule K-1 ordinary 1,000.00", ("1000.00",), True),
    # Found on the development half: OCR split the cents from whole dollars.
    ("1 Interest income 16,731 .95", ("16731.95",), False),
    ("InterestIncome Calendaryear2023 PAYER'STIN36-3924117 16,731:95", ("16731.95",), False),
])
def test_known_prints(text, values, clean):
    reading = first_amount(text)
    assert reading is not None
    assert reading.values == tuple(Decimal(v) for v in values)
    assert reading.clean is clean


def test_an_amount_that_reads_no_way_stops_the_search_with_a_reason():
    # Never the next number instead: "5.00" is not the total.
    reading = first_amount("Total 1,234.567 items 5.00")
    assert reading is not None and reading.values == ()
    assert "could not be read" in reading.note


@pytest.mark.parametrize("text", ["Form 1099-NEC 2024", "Box 12 code D", "555-0142",
                                  "ZIP 02139", "Save 20% today"])
def test_stray_numbers_are_not_amounts(text):
    assert first_amount(text) is None
