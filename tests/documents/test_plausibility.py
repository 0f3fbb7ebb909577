"""Extraction checks: a value that cannot be true is not trusted and says why; the tax
year printed where forms print it is trusted; notes reach the stored fields."""

from __future__ import annotations

from datetime import date

import pytest

from apps.documents.fields import LABELLED, extract_fields, tax_year
from apps.documents.models import DocType

TODAY = date(2026, 11, 30)


def _w2(**boxes: str) -> str:
    values = {"ein": "36-1234567", "wages": "65,028.08", "withheld": "9,104.00",
              "ss_wages": "65,028.08", "ss_tax": "4,031.74", "med_wages": "65,028.08",
              "med_tax": "942.91", **boxes}
    return "\n".join([
        "Form W-2 Wage and Tax Statement 2024",
        f"b Employer identification number (EIN) {values['ein']}",
        f"1 Wages, tips, other compensation {values['wages']}",
        f"2 Federal income tax withheld {values['withheld']}",
        f"3 Social security wages {values['ss_wages']}",
        f"4 Social security tax withheld {values['ss_tax']}",
        f"5 Medicare wages and tips {values['med_wages']}",
        f"6 Medicare tax withheld {values['med_tax']}"])


def test_a_consistent_w2_is_trusted_throughout():
    extraction = extract_fields(DocType.W2, _w2(), today=TODAY)

    assert extraction.confidence == LABELLED and extraction.notes == []
    assert extraction.fields["wages"] == {"value": "65028.08", "confidence": LABELLED}
    assert extraction.fields["social_security_tax"]["value"] == "4031.74"


@pytest.mark.parametrize(("boxes", "distrusted", "says"), [
    ({"withheld": "65,028.08"}, {"wages", "federal_withholding"}, "not below wages"),
    ({"ss_tax": "4,300.00"}, {"social_security_wages", "social_security_tax"}, "6.2 %"),
    ({"med_tax": "1,942.91"}, {"medicare_wages", "medicare_tax"}, "1.45 %"),
    ({"ss_wages": "198,000.00", "ss_tax": "12,276.00"}, {"social_security_wages"},
     "wage base"),
    ({"ein": "07-1234567"}, {"employer_ein"}, "prefix"),
])
def test_w2_box_relationships(boxes, distrusted, says):
    extraction = extract_fields(DocType.W2, _w2(**boxes), today=TODAY)

    low = {name for name, f in extraction.fields.items() if f["confidence"] < 0.8}
    assert low == distrusted
    assert all(says in extraction.fields[name]["note"] for name in distrusted)
    assert extraction.confidence < 0.8 and any(says in note for note in extraction.notes)


def test_additional_medicare_tax_above_200000_is_plausible():
    # 250,000 x 1.45 % + 50,000 x 0.9 % = 3,625 + 450
    text = _w2(wages="250,000.00", withheld="50,000.00", ss_wages="168,600.00",
               ss_tax="10,453.20", med_wages="250,000.00", med_tax="4,075.00")
    assert extract_fields(DocType.W2, text, today=TODAY).confidence == LABELLED


def _receipt(total: str) -> str:
    return "\n".join(["Pacific Pantry", "SALES RECEIPT", "03/04/2025 14:22", "Tea 4.00",
                      "Bread 96.00", "Subtotal 100.00", "Tax 7.25", f"TOTAL {total}"])


def test_subtotal_plus_tax_must_make_the_total():
    extraction = extract_fields(DocType.RECEIPT, _receipt("170.25"), today=TODAY)

    assert extraction.fields["total"]["confidence"] < 0.8
    assert "not the total $170.25" in extraction.fields["total"]["note"]


def test_an_ambiguous_total_takes_the_reading_that_adds_up_but_still_waits_for_review():
    # "107.25" misread as "1.07.25": 107.25 or 1.07; the sum says 107.25.
    extraction = extract_fields(DocType.RECEIPT, _receipt("1.07.25"), today=TODAY)
    total = extraction.fields["total"]

    assert total["value"] == "107.25" and total["confidence"] < 0.8
    assert "can be read as 107.25 or 1.07" in total["note"]


def test_a_misread_total_is_never_accepted_at_high_confidence():
    # The outside report: "TOTAL 1.46.58" was accepted as 1.46 at 0.95.
    text = "Corner Market\nRECEIPT\nDate: 01/02/2025\nTOTAL 1.46.58"
    extraction = extract_fields(DocType.RECEIPT, text, today=TODAY)

    assert extraction.fields["total"]["value"] == "146.58"
    assert extraction.fields["total"]["confidence"] < 0.8 and extraction.confidence < 0.8
    assert "check the amount" in extraction.notes[0]


def test_a_1099_amount_must_be_positive():
    text = ("Form 1099-NEC 2024\nPAYER'S TIN 36-1234567\n"
            "1 Nonemployee compensation (1,200.00)")
    extraction = extract_fields(DocType.F1099_NEC, text, today=TODAY)
    assert extraction.fields["nonemployee_compensation"]["confidence"] < 0.8


@pytest.mark.parametrize(("text", "year"), [
    ("Form 1099-NEC (Rev. January 2024) For calendar year 2025", 2025),
    ("Schedule K-1 (Form 1065) 2024 Partner's Share of Income", 2024),
    ("2023 Form 1099-INT Interest Income", 2023),
    ("Form 1099-INT Interest Income Calendar year 2022", 2022),
    ("W-2 2024 Employee Reference Copy", 2024),
    ("FORM1099-NEC(Rev.January2024)Forcalendaryear2025", 2025),
    # OCR of scans (development half): words glued, full-width parentheses.
    ("ScheduleK-1\uff08Form1065\uff092024", 2024),
    ("2023Form1099-DIV Dividends and Distributions", 2023),
])
def test_tax_year_printed_where_forms_print_it_is_trusted(text, year):
    found = tax_year(text)
    assert (found.value, found.confidence) == (year, LABELLED)


def test_a_form_naming_two_years_is_not_trusted():
    found = tax_year("Form W-2 2024 ... For calendar year 2023")
    assert found.confidence < 0.8 and "several years" in found.note


def test_a_future_tax_year_is_out_of_range():
    text = "Form 1099-INT 2031\nPAYER'S TIN 36-1234567\n1 Interest income 12.00"
    extraction = extract_fields(DocType.F1099_INT, text, today=TODAY)
    assert extraction.fields["tax_year"]["confidence"] < 0.8
    assert "out of range" in extraction.fields["tax_year"]["note"]


def test_an_amount_across_the_label_window_is_read_whole():
    # The label also matches the title; the amount on its own line starts just before the
    # end of the 120 characters looked at after that first match.
    text = ("Form 1099-NEC Nonemployee Compensation 2021\nPAYER'S name Cedar Lane Bakery\n"
            "PAYER'S TIN 75-8014936\nRECIPIENT'S name Aisha Patel\n"
            "1 Nonemployee compensation $ 27,726.04\n")
    found = extract_fields(DocType.F1099_NEC, text, today=TODAY).fields
    assert found["nonemployee_compensation"] == {"value": "27726.04", "confidence": LABELLED}
