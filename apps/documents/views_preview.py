"""The review preview on the staff document page: page images (one permission-checked
request each, revalidated by ETag) and confirming or correcting one field."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.documents import selectors
from apps.documents.models import Document, documents_storage
from apps.documents.preview import document_preview, page_image_name
from apps.documents.review import document_field_correct, expected_fields


def preview_context(document: Document) -> dict:
    """What the detail page needs to show the pages, the highlights and the field list
    (with the fields the type expects but the pipeline did not find)."""
    preview = document_preview(document)
    found = {item.name for item in preview.fields}
    missing = [name for name in expected_fields(document.doc_type) if name not in found]
    return {"preview": preview, "missing_fields": missing}


@require_GET
@firm_permission_required(Perm.DOCUMENTS_VIEW)
def document_page_image(request: HttpRequest, document_id: int, page: int) -> HttpResponse:
    document = selectors.document_get(document_id)
    name = page_image_name(document, page)
    if not name:
        raise Http404("This page has no preview.")
    # The name holds the content hash: the same name is the same picture.
    etag = '"' + hashlib.sha256(name.encode()).hexdigest()[:32] + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        try:
            with documents_storage().open(name, "rb") as handle:
                response = HttpResponse(handle.read(), content_type="image/jpeg")
        except OSError as exc:
            raise Http404("This page has no preview.") from exc
    response["ETag"] = etag
    # Kept by the browser but asked again before each use, so access lost is access lost.
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@firm_permission_required(Perm.DOCUMENTS_REVIEW)
def document_field_review(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_get(document_id)
    field = request.POST.get("field", "")[:40]
    label_url = reverse("documents:detail", args=[document.pk]) + f"#field-{field}"
    try:
        document_field_correct(document=document, field=field,
                               action=request.POST.get("action", ""),
                               value=request.POST.get("value", "")[:300],
                               user_id=request.user.pk, request=request)
    except ValidationError as exc:
        from apps.documents.views import detail_page

        document.refresh_from_db()
        return detail_page(request, document, status=400, field_errors={
            "field": field, "value": request.POST.get("value", "")[:300],
            "messages": [m for ms in exc.message_dict.values() for m in ms]})
    done = "confirmed" if request.POST.get("action") == "confirm" else "corrected"
    messages.success(request, f"Field {done}.")
    return redirect(label_url)
