"""The flagship template: a personal tax organizer (shipped to every firm by migration)."""

from __future__ import annotations


def _q(key: str, label: str, kind: str, **extra) -> dict:
    return {"key": key, "label": label, "kind": kind, "required": extra.pop("required", True),
            **extra}


TAX_ORGANIZER_NAME = "Personal tax organizer"
TAX_ORGANIZER = [
    {"title": "About you", "questions": [
        _q("filing_status", "Your filing status", "choice",
           choices=["Single", "Married filing jointly", "Married filing separately",
                    "Head of household"]),
        _q("dependents", "Do you have dependents?", "yes_no"),
        _q("dependents_count", "How many dependents?", "number",
           show_if={"question": "dependents", "equals": "yes"}),
        _q("moved", "Did you move during the year?", "yes_no"),
        _q("moved_on", "When did you move?", "date",
           show_if={"question": "moved", "equals": "yes"}),
    ]},
    {"title": "Income", "questions": [
        _q("w2", "Did you receive a W-2 from an employer?", "yes_no",
           requests_document={"label": "W-2 forms", "when": "yes"}),
        _q("sold_stock", "Did you sell stock or other investments?", "yes_no"),
        _q("brokerage_1099b", "Upload your broker's Form 1099-B", "file",
           show_if={"question": "sold_stock", "equals": "yes"}, required=False),
        _q("crypto", "Did any of those sales involve cryptocurrency?", "yes_no",
           show_if={"question": "sold_stock", "equals": "yes"}),
        _q("rental", "Did you receive rental income?", "yes_no",
           requests_document={"label": "Rental income and expense summary", "when": "yes"}),
    ]},
    {"title": "Deductions and payments", "questions": [
        _q("mortgage", "Did you pay mortgage interest?", "yes_no",
           requests_document={"label": "Form 1098 (mortgage interest)", "when": "yes"}),
        _q("charity_total", "Total charitable gifts ($)", "number", required=False),
        _q("estimated_payments", "Did you make estimated tax payments?", "yes_no"),
        _q("estimated_total", "Total of estimated payments ($)", "number",
           show_if={"question": "estimated_payments", "equals": "yes"}),
    ]},
    {"title": "Anything else", "questions": [
        _q("notes", "Anything else we should know?", "text", required=False),
    ]},
]
