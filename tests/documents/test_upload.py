"""Upload: content checks, names, limits, duplicates, storage, queueing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.documents.models import Document, DocumentBatch, Priority
from apps.documents.services import document_upload, documents_upload
from apps.documents.sniffing import sanitize_file_name
from tests.documents.samples import (
    INVOICE_LINES,
    W2_LINES,
    docx_bytes,
    pdf_bytes,
    text_image,
    upload,
)

pytestmark = pytest.mark.django_db


def _upload(client, *files, category="other", **kwargs):
    return documents_upload(client=client, files=list(files), category=category,
                            uploaded_by_id=None, **kwargs)


def test_several_files_become_one_batch_queued_by_priority(client_a, documents_storage,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = _upload(client_a, upload("w2-acme.pdf", pdf_bytes(W2_LINES)),
                         upload("invoice.png", text_image(INVOICE_LINES)),
                         upload("notes.csv", b"date,amount\n2025-01-02,10.00\n"))

    assert len(result.created) == 3 and result.duplicates == []
    assert DocumentBatch.objects.get().documents.count() == 3
    by_name = {d.file_name: d for d in Document.objects.all()}
    assert {n: d.content_type for n, d in by_name.items()} == {
        "w2-acme.pdf": "pdf", "invoice.png": "png", "notes.csv": "csv"}
    assert by_name["w2-acme.pdf"].priority == Priority.HIGH
    assert by_name["notes.csv"].priority == Priority.LOW
    assert all(d.status == Document.Status.QUEUED for d in by_name.values())
    # One enqueue after commit for the batch, not one per file.
    assert [c.__qualname__ for c in callbacks].count("enqueue_after_commit.<locals>.<lambda>") == 1
    stored = by_name["w2-acme.pdf"].file.name
    # Server-made name under the firm's folder; the uploader's name is not on disk.
    assert stored.startswith(f"firms/{connection.schema_name}/clients/{client_a.pk}/")
    assert "w2-acme" not in stored
    assert (documents_storage / stored).read_bytes() == pdf_bytes(W2_LINES)


def test_same_content_twice_is_stored_once(client_a, documents_storage):
    first = _upload(client_a, upload("a.pdf", pdf_bytes(W2_LINES)))
    again = _upload(client_a, upload("renamed.pdf", pdf_bytes(W2_LINES)),
                    upload("copy.pdf", pdf_bytes(W2_LINES)))

    assert again.created == []
    assert [(d.document, d.uploaded_as, d.in_this_upload) for d in again.duplicates] == [
        (first.created[0], "renamed.pdf", False), (first.created[0], "copy.pdf", False)]
    assert again.documents == first.created
    assert Document.objects.count() == 1
    assert sum(1 for p in documents_storage.rglob("*") if p.is_file()) == 1


def test_same_content_twice_in_one_upload_reports_the_second_file(client_a,
                                                                   documents_storage):
    result = _upload(client_a, upload("w2.pdf", pdf_bytes(W2_LINES)),
                     upload("invoice.pdf", pdf_bytes(INVOICE_LINES)),
                     upload("w2-again.pdf", pdf_bytes(W2_LINES)))

    # Every file sent is accounted for, exactly once: two created, one duplicate of the
    # first file of this same upload.
    assert [d.file_name for d in result.created] == ["w2.pdf", "invoice.pdf"]
    assert [(d.document.pk, d.uploaded_as, d.in_this_upload) for d in result.duplicates] == [
        (result.created[0].pk, "w2-again.pdf", True)]
    assert result.duplicates[0].message == ("w2-again.pdf has the same content as w2.pdf in "
                                            "this upload; it is kept once.")
    assert Document.objects.count() == 2
    assert sum(1 for p in documents_storage.rglob("*") if p.is_file()) == 2


def test_same_content_for_another_client_is_a_separate_document(client_a):
    from tests.portal.factories import make_client

    _upload(client_a, upload("a.pdf", pdf_bytes(W2_LINES)))
    other = _upload(make_client(), upload("a.pdf", pdf_bytes(W2_LINES)))

    assert len(other.created) == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("w2.pdf", text_image(["hello"]), "named like a PDF but its content is a PNG image"),
    ("photo.png", pdf_bytes(["x"]), "named like a PNG image but its content is a PDF"),
    ("empty.pdf", b"", "is empty"),
    ("program.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
     "program.pdf is named like a PDF but its content is an ELF file, not a file type we "
     "accept"),
    ("archive.zip", b"PK\x05\x06" + b"\x00" * 18, "not a file type we accept"),
    ("report.docx", b"PK\x03\x04garbage that is not a zip", "not a file type we accept"),
])
def test_bad_files_are_refused_with_a_clear_message(client_a, name, content, message):
    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload(name, content))

    assert any(message in text for text in caught.value.message_dict["files"])
    assert Document.objects.count() == 0


def test_one_bad_file_rejects_the_whole_upload_and_stores_nothing(client_a, documents_storage):
    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload("good.pdf", pdf_bytes(W2_LINES)), upload("bad.pdf", b"nope"))

    assert "Nothing was uploaded" in caught.value.message_dict["files"][-1]
    assert Document.objects.count() == 0
    assert not any(p.is_file() for p in documents_storage.rglob("*"))


def test_size_limit_is_configurable(client_a, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1000

    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload("big.pdf", pdf_bytes(W2_LINES * 20)))

    assert "larger than the 0.000953674 MB limit" in caught.value.message_dict["files"][0]


def test_unknown_category_and_no_files_are_field_errors(client_a):
    with pytest.raises(ValidationError) as caught:
        documents_upload(client=client_a, files=[], category="nonsense\x00" + "x" * 10_000,
                         uploaded_by_id=None)

    assert set(caught.value.message_dict) == {"category", "files"}
    assert len(caught.value.message_dict["category"][0]) < 100


def test_nul_in_a_file_name_is_refused(client_a):
    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload("a\x00.pdf", pdf_bytes(W2_LINES)))

    assert "NUL" in caught.value.message_dict["files"][0]


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\me\\W-2 2024.pdf", "W-2 2024.pdf"),
    ("..hidden.pdf", "hidden.pdf"),
    ("bad<script>name\n.pdf", "bad_script_name.pdf"),
    ("a" * 10_000 + ".pdf", "a" * 146 + ".pdf"),
    ("résumé.pdf", "résumé.pdf"),
])
def test_file_names_are_sanitized(raw, clean):
    assert sanitize_file_name(raw) == clean


def test_a_name_without_an_extension_gets_the_contents(client_a):
    result = _upload(client_a, upload("scan", text_image(["hello"])))

    assert result.created[0].file_name == "scan.png"


def test_docx_is_recognised_by_its_parts(client_a):
    result = _upload(client_a, upload("letter.docx", docx_bytes(["Engagement letter"])))

    assert result.created[0].content_type == "docx"


def test_single_file_wrapper_reports_on_the_file_field(client_a):
    with pytest.raises(ValidationError) as caught:
        document_upload(client=client_a, file=upload("x.pdf", b""), category="other",
                        uploaded_by_id=None)

    assert list(caught.value.message_dict) == ["file"]


def test_heic_photos_are_accepted_and_readable(client_a):
    import io

    import pillow_heif
    from PIL import Image

    from apps.documents.parsing import parse

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("L", (64, 32), 255).save(buf, format="HEIF")

    document = _upload(client_a, upload("receipt.heic", buf.getvalue())).created[0]

    assert document.content_type == "heic"
    parsed = parse(buf.getvalue(), "heic")
    assert (parsed.pages, parsed.images[0].width, parsed.images[0].height) == (1, 64, 32)


def _docx_with_many_parts(entries: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", '<w:document xmlns:w="w"/>')
        for number in range(entries):
            archive.writestr(f"p{number}", b"")
    return buf.getvalue()


def test_an_archive_announcing_too_many_parts_is_refused_before_it_is_read(client_a,
                                                                          documents_storage):
    # The two parts that make it look like a Word file come first: reading only the
    # first names would accept it.
    content = _docx_with_many_parts(5_000)

    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload("letter.docx", content))

    message = caught.value.message_dict["files"][0]
    assert message.startswith("letter.docx is an archive of 5,002 parts")
    assert "at most 2,000" in message
    assert Document.objects.count() == 0
    assert not any(p.is_file() for p in documents_storage.rglob("*"))


def test_a_zip64_archive_announcing_too_many_parts_is_refused(client_a, monkeypatch):
    # zipfile writes the ZIP64 end record once the entry count reaches this limit.
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 100)
    content = _docx_with_many_parts(3_000)
    assert b"PK\x06\x06" in content[-200:]

    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload("book.docx", content))

    assert "is an archive of 3,002 parts" in caught.value.message_dict["files"][0]


def test_an_archive_whose_index_is_too_large_is_refused(client_a):
    # Few entries announced but a huge central directory (long names): the index size
    # is capped too, since zipfile reads the directory by its size.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", '<w:document xmlns:w="w"/>')
        for number in range(1_000):
            archive.writestr(f"{number}-" + "n" * 1_500, b"")

    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload("long.docx", buf.getvalue()))

    assert "bytes of index" in caught.value.message_dict["files"][0]


def test_files_of_one_upload_together_are_limited(client_a, settings, documents_storage):
    settings.DOCUMENTS_MAX_UPLOAD_TOTAL_BYTES = 2 * 1024 * 1024
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024 * 1024
    # Three files, each under the per-file limit, over the per-upload one together.
    parts = [upload(f"n{n}.csv", b"amount\n" + (f"{n}\n".encode() * 450_000))
             for n in range(3)]

    with pytest.raises(ValidationError) as caught:
        _upload(client_a, *parts)

    assert "more than the 2 MB allowed in one upload" in caught.value.message_dict["files"][0]
    assert Document.objects.count() == 0
    assert not any(p.is_file() for p in documents_storage.rglob("*"))


HTML_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
              b'<rect width="10" height="10"/></svg>\n')


@pytest.mark.parametrize(("name", "content", "message"), [
    # Before: accepted as CSV and stored as page.html.csv.
    ("page.html", HTML_PAGE,
     "page.html is an HTML page, not a file type we accept"),
    ("logo.svg", SVG_SCRIPT, "logo.svg is an SVG image, not a file type we accept"),
    ("data.csv", b'<?xml version="1.0"?>\n<rows><row a="1"/></rows>\n',
     "data.csv is named like a CSV file but its content is an XML file"),
    # Before: "is named like a PDF but its content is a CSV file".
    ("invoice.pdf", HTML_PAGE,
     "invoice.pdf is named like a PDF but its content is an HTML page, not a file type we "
     "accept"),
    ("table.csv", b"a,b,c\n1,2,3\n<td onclick=x>1</td>,<div>2</div>,3\n",
     "table.csv is named like a CSV file but its content is an HTML page"),
    ("notes.csv", b"Dear client, thank you for your letter. We will, as agreed, send the "
                  b"forms next week.\nKind regards, and see you soon, the team.\n"
                  b"P.S. The invoice, the receipts and the statement are attached.\n",
     "notes.csv is named like a CSV file but its content is plain text, not a table"),
    ("ragged.csv", b"date,amount,memo\n2025-01-02,10.00\n2025-01-03,5.00,coffee,extra\n",
     "ragged.csv is named like a CSV file but its content is plain text, not a table"),
])
def test_markup_and_prose_are_not_csv(client_a, name, content, message, documents_storage):
    with pytest.raises(ValidationError) as caught:
        _upload(client_a, upload(name, content))

    assert caught.value.message_dict["files"][0].startswith(message)
    assert Document.objects.count() == 0
    assert not any(p.is_file() for p in documents_storage.rglob("*"))


@pytest.mark.parametrize("content", [
    b"date,amount,memo\n2025-01-02,10.00,coffee\n2025-01-03,5.00,\"tea, green\"\n",
    b"date;amount\n02.01.2025;10,00\n03.01.2025;5,00\n",
    b"date\tamount\n2025-01-02\t10.00\n",
    b"\xef\xbb\xbfamount\n10.00\n5.00\n",
    "name,city\nJosé,Zürich\nAnaïs,Montréal\n".encode(),
])
def test_real_tables_are_csv(client_a, content):
    document = _upload(client_a, upload("table.csv", content)).created[0]

    assert document.content_type == "csv"


def test_a_long_csv_is_judged_on_whole_rows_only(client_a):
    # The 8 KB sample ends in the middle of a row: that partial row is not held against it.
    content = b"date,amount,memo\n" + b"2025-01-02,10.00,a note of some length\n" * 600

    assert _upload(client_a, upload("long.csv", content)).created[0].content_type == "csv"
