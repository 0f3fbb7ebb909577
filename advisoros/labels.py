"""Human labels for every code a page shows: one map per kind of code.

Models' choices are the source where there are choices (a label changed there changes
everywhere); codes without choices (extracted document fields, text sources, 1099 amount
keys) are spelled out here. Templates use the `label` filter with the kind
(`{{ e.type|label:"engagement_type" }}`); `code_label` without a kind still spells
acronyms and form names right ("CFO advisory", "Employer EIN", "W-2") for rows that come
from `.values()`.
"""

from __future__ import annotations

import re
from functools import cache

# Words that are acronyms or form names, whatever code they appear in.
WORDS = {
    "cfo": "CFO", "ein": "EIN", "tin": "TIN", "ssn": "SSN", "ocr": "OCR", "api": "API",
    "nps": "NPS", "fpa": "FP&A", "saas": "SaaS", "kpi": "KPI", "ach": "ACH", "id": "ID",
    "w2": "W-2", "k1": "K-1", "1099": "1099", "nec": "NEC", "misc": "MISC", "int": "INT",
    "div": "DIV", "csv": "CSV", "pdf": "PDF", "usd": "USD", "cpa": "CPA", "mfa": "MFA",
    "qbo": "QuickBooks", "url": "URL", "ip": "IP",
}
FORM_CODES = {"1099_nec": "1099-NEC", "1099_misc": "1099-MISC", "1099_int": "1099-INT",
              "1099_div": "1099-DIV", "w2": "W-2", "k1": "K-1"}

DOCUMENT_FIELDS = {
    "employer_ein": "Employer EIN", "entity_ein": "Entity EIN", "payer_tin": "Payer's TIN",
    "wages": "Wages, tips, other compensation", "federal_withholding":
        "Federal income tax withheld", "ordinary_income": "Ordinary business income",
    "ending_balance": "Ending balance", "beginning_balance": "Beginning balance",
    "statement_date": "Statement date", "invoice_number": "Invoice number",
    "total": "Total", "vendor": "Vendor", "date": "Date",
    "nonemployee_compensation": "Nonemployee compensation", "interest_income":
        "Interest income", "ordinary_dividends": "Ordinary dividends", "rents": "Rents",
    "mortgage_interest": "Mortgage interest",
    "lender_tin": "Lender's TIN", "social_security_wages": "Social security wages",
    "social_security_tax": "Social security tax withheld",
    "medicare_wages": "Medicare wages and tips", "medicare_tax": "Medicare tax withheld",
    "subtotal": "Subtotal", "tax": "Tax", "amount": "Amount", "tax_year": "Tax year",
}
ADVISOR_SORTS = {"rating": "Highest rated", "experience": "Most experienced",
                 "price": "Lowest hourly rate", "reviews": "Most reviews"}
FILE_TYPES = {
    "application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image",
    "image/tiff": "TIFF image", "image/heic": "HEIC photo", "image/heif": "HEIC photo",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "text/csv": "CSV file", "text/plain": "Text file",
}
TEXT_SOURCES = {"embedded": "the file's own text", "ocr": "OCR (scanned pages)",
                "ocr_cache": "OCR (read earlier)"}


def code_words(code: object) -> str:
    """"cfo_advisory" -> "CFO advisory", "employer_ein" -> "Employer EIN", "w2" -> "W-2":
    for a code no map knows."""
    text = str(code or "")
    if text in FORM_CODES:
        return FORM_CODES[text]
    words = [WORDS.get(word.lower(), word) for word in re.split(r"[_\s]+", text) if word]
    if not words:
        return ""
    first = words[0]
    words[0] = first if first in WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


@cache
def _maps() -> dict[str, dict[str, str]]:
    from apps.accounts.roles import Perm, Role
    from apps.billing.models import Invoice, Payment, PaymentTerms, RecurringPlan
    from apps.documents.models import DocType, Document
    from apps.integrations.models import WebhookDelivery, WebhookEndpoint
    from apps.integrations.webhooks import EVENT_TYPES
    from apps.ledger.models import RevenueShareEntry
    from apps.marketplace import vocabulary
    from apps.marketplace.models import AdvisorProfile, MarketplaceEngagement
    from apps.portal.models import Client, Engagement, Task
    from apps.work.models import Frequency as WorkFrequency

    maps = {
        "role": Role, "permission": Perm, "scope": Perm,
        "client_status": Client.Status, "industry": Client.Industry,
        "engagement_type": Engagement.Type, "engagement_status": Engagement.Status,
        "task_status": Task.Status, "task_priority": Task.Priority,
        "document_status": Document.Status, "document_category": Document.Category,
        "doc_type": DocType, "invoice_status": Invoice.Status, "payment_method":
            Payment.Method, "payment_terms": PaymentTerms,
        "advisor_industry": vocabulary.Industry, "advisor_service": vocabulary.Service,
        "company_size": vocabulary.CompanySize, "certification": vocabulary.Certification,
        "availability": AdvisorProfile.Availability, "advisor_status": AdvisorProfile.Status,
        "marketplace_engagement_status": MarketplaceEngagement.Status,
        "payout_status": RevenueShareEntry.PayoutStatus, "ledger_kind": RevenueShareEntry.Kind,
        "webhook_endpoint_status": WebhookEndpoint.Status,
        "webhook_delivery_status": WebhookDelivery.Status,
        "billing_frequency": RecurringPlan.Frequency, "work_frequency": WorkFrequency,
    }
    built = {kind: {str(value): str(label) for value, label in choices.choices}
             for kind, choices in maps.items()}
    built["document_field"] = DOCUMENT_FIELDS
    built["text_source"] = TEXT_SOURCES
    built["advisor_sort"] = ADVISOR_SORTS
    built["webhook_event"] = EVENT_TYPES
    built["file_type"] = FILE_TYPES
    return built


def label(kind: str, code: object) -> str:
    """The label of `code` among the codes of `kind`; unknown codes in words."""
    if code is None or code == "":
        return ""
    known = _maps().get(kind)
    if known is None:
        raise KeyError(f"No labels for {kind!r}")
    return known.get(str(code)) or code_words(code)


def labels(kind: str, codes) -> list[str]:
    return [label(kind, code) for code in codes or ()]
