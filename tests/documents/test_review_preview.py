"""The review preview on the staff document page: word boxes kept from OCR and from a
PDF's text, fields located on the pages, page images behind a permission check with an
ETag, per-field confirm / correct with audit, and the corrections export."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.documents.layout import locate_value, value_forms
from apps.documents.models import (
    Document,
    DocumentLayout,
    FieldCorrection,
    OcrResult,
    documents_storage,
)
from apps.documents.pipeline import document_process
from apps.documents.preview import document_preview
from apps.documents.services import documents_upload
from tests.documents.samples import INVOICE_LINES, W2_LINES, pdf_bytes, text_image, upload
from tests.documents.test_pipeline import CountingOcr

pytestmark = pytest.mark.django_db


def _processed(client, name="w2.pdf", content=None, backend=None) -> Document:
    document = documents_upload(client=client, files=[upload(name, content or
                                                             pdf_bytes(W2_LINES))],
                                category="other", uploaded_by_id=None).created[0]
    document_process(document_id=document.pk, backend=backend)
    document.refresh_from_db()
    return document


def _http(world, role):
    connection.set_schema_to_public()
    return world.client(role)


# Locating a value in page words (plain data, no OCR).

def _page(*segments):
    """Segments on one line, 10 units per character, 10 apart."""
    words, x = [], 0
    for text in segments:
        words.append([x, 100, x + 10 * len(text), 112, text])
        x += 10 * len(text) + 10
    return {"w": 1000, "h": 1000, "words": words}


def test_an_amount_is_found_in_the_forms_it_is_printed_in():
    assert value_forms("total", "65028.08") == ["65,028.08", "65028.08"]
    grouped = _page("TOTAL", "$65,028.08")
    spaced = _page("Total due", "65, 028.08")  # OCR put a space after the comma

    found = locate_value([grouped], "total", "65028.08")
    assert found.page == 1 and found.text == "65,028.08"
    # Only the amount is highlighted, not the "$" before it: x from 60 + 10 to 160.
    assert found.boxes == ((70.0, 100, 160.0, 112),)
    assert locate_value([spaced], "total", "65028.08").text == "65, 028.08"


def test_a_value_inside_a_longer_number_or_absent_is_not_located():
    assert locate_value([_page("Total", "165,028.08")], "total", "65028.08") is None
    assert locate_value([_page("Total", "65,028.081")], "total", "65028.08") is None
    assert locate_value([_page("Nothing here")], "total", "65028.08") is None


def test_dates_and_eins_are_found_in_other_spellings_across_words_and_pages():
    pages = [_page("Page one"), _page("Invoice date", "March", "14,", "2025"),
             _page("EIN", "123456789")]

    date = locate_value(pages, "date", "2025-03-14")
    ein = locate_value(pages, "employer_ein", "12-3456789")

    assert date.page == 2 and len(date.boxes) == 3  # one box per word it spans
    assert ein.page == 3 and ein.text == "123456789"


# Boxes from OCR (one real page) and from a PDF's text.

def test_a_scan_keeps_its_word_boxes_and_the_page_it_read_also_from_the_cache(client_a):
    from tests.portal.factories import make_client

    ocr = CountingOcr()
    scan = text_image(INVOICE_LINES)
    first = _processed(client_a, "invoice.png", scan, backend=ocr)
    second = _processed(make_client(), "same.png", scan, backend=ocr)

    assert ocr.pages == 1 and second.text_source == "ocr_cache"
    layout = DocumentLayout.objects.get(document=first)
    page = layout.pages[0]
    assert layout.source == "ocr" and (page["w"], page["h"]) == (900, 40 + 36 * 7)
    assert any("1,234.56" in word[4] for word in page["words"])
    assert OcrResult.objects.get(sha256=first.sha256).layout == layout.pages
    assert DocumentLayout.objects.get(document=second).pages == layout.pages
    with documents_storage().open(page["image"], "rb") as handle:
        assert handle.read(3) == b"\xff\xd8\xff"  # the page as read, kept as a JPEG
    total = next(f for f in document_preview(first).fields if f.name == "total")
    # "Amount Due: $1,234.56" is the 7th line, drawn from x 20 at y 20 + 36 * 6 = 236
    # (22 px type): the box holds the amount only, not the label before it.
    x0, y0, x1, y1 = total.location.boxes[0]
    assert total.location.page == 1 and 230 <= y0 < y1 <= 236 + 30 and 120 < x0 < x1


def test_a_text_pdf_gets_its_layout_from_pdfium_on_first_view(in_firm_a, client_a):
    document = _processed(client_a)
    assert document.text_source == "embedded"
    assert not DocumentLayout.objects.filter(document=document).exists()

    page = _http(in_firm_a, Role.STAFF_ACCOUNTANT).get(f"/documents/{document.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    # Without JavaScript: boxes drawn, each field says where it was read.
    assert '<rect class="doc-box" data-field="wages"' in html
    assert html.count("read on page 1") == 4
    assert f"/documents/{document.pk}/pages/1/image/" in html
    connection.set_tenant(in_firm_a.firm)
    layout = DocumentLayout.objects.get(document=document)
    assert layout.source == "pdf" and round(layout.pages[0]["w"]) == 595
    wages = next(f for f in document_preview(document).fields if f.name == "wages")
    # "1 Wages, tips, other compensation 54,321.00" is at x 72-313 pt, the amount last.
    x0, _, x1, _ = wages.location.boxes[0]
    assert 250 < x0 < 270 and 305 < x1 < 320


def test_failed_and_word_files_show_no_pages_without_parsing_again(in_firm_a, client_a,
                                                                   settings):
    from tests.documents.samples import docx_bytes

    word = _processed(client_a, "letter.docx", docx_bytes(["Dear client"]))
    settings.DOCUMENTS_PARSE_SECONDS = 0  # the parse overruns: the document fails
    failed = _processed(client_a, "slow.pdf", pdf_bytes(["slow"]))
    assert word.status in ("processed", "needs_review") and failed.status == "failed"
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)

    word_page = http.get(f"/documents/{word.pk}/").content.decode()
    failed_page = http.get(f"/documents/{failed.pk}/").content.decode()

    assert "No page preview for this file" in word_page
    assert "could not be read, so there is no page preview" in failed_page
    connection.set_tenant(in_firm_a.firm)
    assert not DocumentLayout.objects.exists()


def test_a_kept_layout_is_read_once_per_view_never_rendered_again(in_firm_a, client_a):
    document = _processed(client_a)
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
    http.get(f"/documents/{document.pk}/")  # the first view renders and keeps it

    with CaptureQueriesContext(connection) as captured:
        assert http.get(f"/documents/{document.pk}/").status_code == 200

    layout_queries = [q["sql"] for q in captured if "documentlayout" in q["sql"]]
    assert len(layout_queries) == 1 and layout_queries[0].startswith("SELECT")


# Page images: permission checked, firm isolated, revalidated by ETag.

def test_page_image_is_a_jpeg_revalidated_by_etag(in_firm_a, client_a):
    document = _processed(client_a)
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
    http.get(f"/documents/{document.pk}/")  # first view renders the pages

    image = http.get(f"/documents/{document.pk}/pages/1/image/")
    again = http.get(f"/documents/{document.pk}/pages/1/image/",
                     HTTP_IF_NONE_MATCH=image["ETag"])

    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    cache = {part.strip() for part in image["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= cache and "no-store" not in cache
    assert again.status_code == 304 and again.content == b""
    assert http.get(f"/documents/{document.pk}/pages/2/image/").status_code == 404


def test_page_images_are_refused_to_clients_and_other_firms(in_firm_a, client_a, firm_b):
    document = _processed(client_a)
    staff = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
    staff.get(f"/documents/{document.pk}/")
    url = f"/documents/{document.pk}/pages/1/image/"

    client_user = _http(in_firm_a, Role.CLIENT_OWNER).get(url)  # the document's own client
    other_firm = _http(firm_b, Role.OWNER).get(url)

    assert client_user.status_code == 403
    assert other_firm.status_code == 404


# Confirm / correct one field.

def test_correcting_a_field_keeps_the_correction_and_audits_it(in_firm_a, client_a):
    document = _processed(client_a)
    reviewer = in_firm_a.user("tax_preparer")

    response = _http(in_firm_a, Role.TAX_PREPARER).post(
        f"/documents/{document.pk}/fields/",
        {"field": "wages", "action": "correct", "value": "$55,000.5"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"/documents/{document.pk}/#field-wages")
    connection.set_tenant(in_firm_a.firm)
    document.refresh_from_db()
    assert document.fields["wages"] == {"value": "55000.50", "confidence": 1.0,
                                        "corrected": True}
    correction = FieldCorrection.objects.get()
    assert (correction.field, correction.action, correction.old_value, correction.new_value,
            correction.old_confidence, correction.corrected_by_id) == (
        "wages", "corrected", "54321.00", "55000.50", 0.95, reviewer.pk)
    event = AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED,
                                      target_id=str(document.pk)).get()
    assert event.details["before"]["fields"]["wages"]["value"] == "54321.00"
    assert event.details["after"]["fields"]["wages"]["value"] == "55000.50"


def test_confirming_and_filling_a_missing_field(in_firm_a, client_a):
    document = _processed(client_a, "inv.pdf", pdf_bytes(INVOICE_LINES[:-1]))  # no total
    http = _http(in_firm_a, Role.TAX_PREPARER)

    page = http.get(f"/documents/{document.pk}/")
    confirmed = http.post(f"/documents/{document.pk}/fields/",
                          {"field": "invoice_number", "action": "confirm"})
    filled = http.post(f"/documents/{document.pk}/fields/",
                       {"field": "total", "action": "correct", "value": "1,234.56"})

    after = http.get(f"/documents/{document.pk}/").content.decode()

    assert 'id="field-total"' in page.content.decode()  # listed as not found
    assert confirmed.status_code == filled.status_code == 302
    assert "confirmed by a person" in after and "corrected by a person" in after
    connection.set_tenant(in_firm_a.firm)
    document.refresh_from_db()
    assert document.fields["invoice_number"]["confirmed"] is True
    assert document.fields["total"]["value"] == "1234.56"
    assert sorted(FieldCorrection.objects.values_list("field", "action", "old_value")) == [
        ("invoice_number", "confirmed", "INV-2041"), ("total", "corrected", "")]


@pytest.mark.parametrize(("post", "message"), [
    ({"field": "wages", "action": "correct", "value": "lots"}, "Enter an amount"),
    ({"field": "employer_ein", "action": "correct", "value": "12-34"}, "Enter nine digits"),
    ({"field": "password", "action": "correct", "value": "x"}, "no such field"),
    ({"field": "wages", "action": "delete", "value": "1"}, "Choose confirm or correct"),
])
def test_a_bad_correction_is_a_400_that_changes_nothing(in_firm_a, client_a, post, message):
    document = _processed(client_a)

    response = _http(in_firm_a, Role.TAX_PREPARER).post(
        f"/documents/{document.pk}/fields/", post)

    assert response.status_code == 400 and message in response.content.decode()
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.get(pk=document.pk).fields == document.fields
    assert not FieldCorrection.objects.exists()


def test_a_client_user_cannot_correct_fields(in_firm_a, client_a):
    document = _processed(client_a)

    response = _http(in_firm_a, Role.CLIENT_OWNER).post(
        f"/documents/{document.pk}/fields/", {"field": "wages", "action": "correct",
                                             "value": "1.00"})

    assert response.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    assert not FieldCorrection.objects.exists()


# The development data export.

def test_export_corrections_writes_jsonl_with_text_and_layout(in_firm_a, client_a, tmp_path):
    document = _processed(client_a)
    http = _http(in_firm_a, Role.TAX_PREPARER)
    http.get(f"/documents/{document.pk}/")
    http.post(f"/documents/{document.pk}/fields/",
              {"field": "wages", "action": "correct", "value": "55000.00"})
    out = tmp_path / "corrections.jsonl"

    connection.set_schema_to_public()
    call_command("export_corrections", firm=in_firm_a.firm.slug, output=str(out))

    (line,) = out.read_text().splitlines()
    record = json.loads(line)
    assert (record["firm"], record["document_id"], record["doc_type"], record["field"],
            record["read_value"], record["right_value"]) == (
        in_firm_a.firm.slug, document.pk, "w2", "wages", "54321.00", "55000.00")
    assert "Wages, tips, other compensation" in record["text"]
    words = [word[4] for word in record["layout"]["pages"][0]["words"]]
    assert "54,321.00" in words and "image" not in record["layout"]["pages"][0]


def test_words_sent_back_by_the_parser_child_are_checked():
    from apps.documents.preview import _checked_words

    page = {"w": 612, "h": 792, "words": [
        [10, 20, 30, 40, "kept"], [10, "20", 30, 40, "string box"], [True, 1, 2, 3, "bool"],
        [1, 2, 3, 4, None], "not a word", [1, 2, 3, 10**9, "too large"]]}

    assert _checked_words(page) == [[10, 20, 30, 40, "kept"]]
    assert _checked_words("not a page") == []
