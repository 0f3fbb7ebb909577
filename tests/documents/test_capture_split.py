"""A file holding several forms becomes one document per form, each classified and read
on its own pages; consecutive pages of one form stay together; a redelivered run finds
its parts again instead of doubling them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.accounts.roles import Role
from apps.documents.evaluation.captures import text_pdf
from apps.documents.models import DocType, Document
from apps.documents.pipeline import document_process
from apps.documents.services import document_review, documents_upload
from tests.documents.samples import upload

pytestmark = pytest.mark.django_db

W2 = ["Form W-2 Wage and Tax Statement 2023",
      "b Employer identification number (EIN) 12-3456789",
      "c Employer's name, address, and ZIP code Acme Widgets Inc",
      "1 Wages, tips, other compensation 54,321.00",
      "2 Federal income tax withheld 6,543.21"]
F1099_INT = ["Form 1099-INT Interest Income 2024", "PAYER'S name Granite State Bank",
             "PAYER'S TIN 98-7654321", "1 Interest income $ 1,234.56",
             "For calendar year 2024"]
F1098 = ["Form 1098 Mortgage Interest Statement 2022",
         "RECIPIENT'S/LENDER'S name Riverbend Credit Union",
         "1 Mortgage interest received from payer(s)/borrower(s) $ 8,765.43",
         "2 Outstanding mortgage principal $ 250,000.00"]
STATEMENT_1 = ["Granite State Bank", "Account Statement",
               "Statement Period: 03/01/2025 through 03/31/2025",
               "Beginning Balance $1,000.00", "Deposits and Additions",
               "03/02 Deposit 2,000.00"]
STATEMENT_2 = ["Granite State Bank (continued)", "03/15 Withdrawal -500.00",
               "03/20 Withdrawal -250.00"]
STATEMENT_3 = ["Granite State Bank (continued)", "Withdrawals and Subtractions",
               "Ending Balance $2,250.00"]


def _processed(client, pages: list[list[str]], name="all-my-forms.pdf") -> Document:
    document = documents_upload(client=client, files=[upload(name, text_pdf(pages))],
                                category="tax_return", uploaded_by_id=None).created[0]
    document_process(document_id=document.pk)
    document.refresh_from_db()
    return document


def _parts(document: Document) -> list[Document]:
    return list(Document.objects.alive().filter(parent=document).order_by("page_from"))


def test_w2_1099_int_and_1098_in_one_pdf_become_three_documents(client_a):
    original = _processed(client_a, [W2, F1099_INT, F1098])

    assert (original.status, original.doc_type, original.fields) == ("split", "", {})
    parts = _parts(original)
    assert [(p.page_from, p.page_to, p.doc_type, p.tax_year, p.status) for p in parts] == [
        (1, 1, DocType.W2, 2023, "processed"), (2, 2, DocType.F1099_INT, 2024, "processed"),
        (3, 3, DocType.F1098, 2022, "processed")]
    w2, interest, mortgage = parts
    # Each read on its own pages only: no field of one form in another.
    assert w2.fields["wages"]["value"] == "54321.00"
    assert "1098" not in w2.text and "Wage" not in mortgage.text
    assert interest.fields["interest_income"]["value"] == "1234.56"
    assert mortgage.fields["mortgage_interest"]["value"] == "8765.43"
    assert {p.client_id for p in parts} == {client_a.pk}
    assert {p.file.name for p in parts} == {original.file.name}
    assert w2.file_name == "all-my-forms.pdf (page 1)"
    assert (w2.category, mortgage.category) == ("tax_return", "tax_return")


def test_consecutive_pages_of_one_statement_stay_one_document(client_a):
    original = _processed(client_a, [W2, STATEMENT_1, STATEMENT_2, STATEMENT_3])

    parts = _parts(original)
    assert [(p.page_from, p.page_to, p.doc_type) for p in parts] == [
        (1, 1, DocType.W2), (2, 4, DocType.BANK_STATEMENT)]
    assert parts[1].fields["ending_balance"]["value"] == "2250.00"
    assert parts[1].category == "bank_statement"


def test_a_statement_of_several_pages_alone_is_not_split(client_a):
    document = _processed(client_a, [STATEMENT_1, STATEMENT_2, STATEMENT_3])

    assert (document.status, document.doc_type) == ("processed", DocType.BANK_STATEMENT)
    assert not Document.objects.filter(parent=document).exists()


def test_two_w2s_in_a_row_are_two_documents(client_a):
    second = [line.replace("2023", "2024") for line in W2]

    original = _processed(client_a, [W2, second])

    assert [(p.page_from, p.tax_year) for p in _parts(original)] == [(1, 2023), (2, 2024)]


def test_redelivered_run_finds_its_parts_again(client_a):
    original = _processed(client_a, [W2, F1099_INT, F1098])
    first_ids = [p.pk for p in _parts(original)]

    # The message comes again after the split was written (e.g. a lost ack): the row is
    # released to queued and processed once more.
    Document.objects.filter(pk=original.pk).update(status=Document.Status.QUEUED)
    document_process(document_id=original.pk)

    assert [p.pk for p in _parts(original)] == first_ids
    assert Document.objects.filter(parent=original).count() == 3


def test_split_file_is_not_reviewed_itself(client_a):
    original = _processed(client_a, [W2, F1098])

    with pytest.raises(ValidationError) as refused:
        document_review(document=original, decision="approve")

    assert "split" in str(refused.value)


def test_pages_show_the_split_and_the_parts(in_firm_a, client_a):
    original = _processed(client_a, [W2, F1099_INT, F1098])
    w2 = _parts(original)[0]
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)

    page = http.get(f"/documents/{original.pk}/").content.decode()
    part_page = http.get(f"/documents/{w2.pk}/").content.decode()
    listing = http.get(f"/documents/?client={client_a.pk}").content.decode()

    assert "Split into 3 documents" in page and "all-my-forms.pdf (page 2)" in page
    assert "Save review" not in page
    assert "Page 1 of" in part_page and "W-2" in part_page
    assert "all-my-forms.pdf (page 3)" in listing
