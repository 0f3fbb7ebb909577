"""Staff pages for documents (/documents/...): search, upload, detail with review and
retry, signed downloads, live status, and document requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.documents import selectors, services
from apps.documents.downloads import (
    api_key_for_download,
    document_file_response,
    download_token,
    download_token_api_key_id,
    download_token_check,
    download_token_check_for_key,
)
from apps.documents.forms import (
    ReviewForm,
    SearchForm,
    StaffUploadForm,
    StaffUploadPickClientForm,
)
from apps.documents.selectors import DocumentQuery
from apps.portal.forms import apply_service_errors
from apps.portal.selectors import client_get, firm_client_choices


def parse_ids(raw: str) -> list[int]:
    """"1,2,3" -> [1, 2, 3]; anything else -> 400 (never a 500)."""
    ids: list[int] = []
    for part in (raw or "").split(",")[:200]:
        if not part:
            continue
        if not part.isascii() or not part.isdigit() or len(part) > 12:
            raise ValidationError({"ids": "Give document ids as numbers separated by commas."})
        ids.append(int(part))
    return ids


def status_json(request: HttpRequest, *, client_id: int | None) -> JsonResponse:
    try:
        ids = parse_ids(request.GET.get("ids", ""))
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    return JsonResponse(selectors.documents_status(ids, client_id=client_id))


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def document_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    status = 200
    query = DocumentQuery()
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            query = DocumentQuery(q=data["q"], category=data["category"],
                                  doc_type=data["doc_type"], status=data["status"],
                                  client_id=data["client"], tax_year=data["tax_year"])
        else:
            status = 400
    page = selectors.document_search_page(query, form.cleaned_data.get("page")
                                          if form.is_bound and form.is_valid() else 1)
    filter_client = client_get(query.client_id) if query.client_id else None
    return render(request, "documents/list.html", {
        "form": form, "page": page, "query": query, "filter_client": filter_client,
        "can_upload": request_has_permission(request, Perm.DOCUMENTS_UPLOAD),
    }, status=status)


@firm_permission_required(Perm.DOCUMENTS_UPLOAD)
def document_upload(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_get(client_id)
    form = StaffUploadForm(initial={"client": client.pk})
    status = 200
    if request.method == "POST":
        form = StaffUploadForm(request.POST, request.FILES)
        if form.is_valid() and form.cleaned_data["client"] == client.pk:
            uploaded = _upload_from_form(request, form, client)
            if uploaded is not None:
                return uploaded
        status = 400
    return render(request, "documents/upload.html", {"form": form, "client": client},
                  status=status)


@firm_permission_required(Perm.DOCUMENTS_UPLOAD)
def document_upload_pick_client(request: HttpRequest) -> HttpResponse:
    """Upload from the documents list: the client is chosen in the form (a clear field
    error when none is), then the upload is the same as from the client's own page."""
    clients = firm_client_choices()
    form = StaffUploadPickClientForm(clients=clients)
    status = 200
    if request.method == "POST":
        form = StaffUploadPickClientForm(request.POST, request.FILES, clients=clients)
        if form.is_valid():
            client = client_get(form.cleaned_data["client"])
            uploaded = _upload_from_form(request, form, client)
            if uploaded is not None:
                return uploaded
        status = 400
    return render(request, "documents/upload.html", {"form": form, "client": None},
                  status=status)


def _upload_from_form(request: HttpRequest, form, client) -> HttpResponse | None:
    """Upload a valid staff form's files for `client`: the redirect to the client's
    documents, or None with the service's errors put on the form."""
    try:
        result = services.documents_upload(
            client=client, files=form.cleaned_data["files"],
            category=form.cleaned_data["category"], uploaded_by_id=request.user.pk)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    _upload_messages(request, result)
    return redirect(reverse("documents:list") + f"?client={client.pk}")


def _upload_messages(request: HttpRequest, result: services.UploadResult) -> None:
    if result.created:
        messages.success(request, f"Uploaded {len(result.created)} file(s); processing "
                                  "has started.")
    if result.backlog is not None and result.backlog.delayed:
        messages.warning(request, result.backlog.message)
    for duplicate in result.duplicates:
        messages.info(request, duplicate.message)


def detail_page(request: HttpRequest, document, *, status: int = 200,
                **extra) -> HttpResponse:
    """The staff document page: file, fields over the page preview, review forms."""
    from apps.documents.views_preview import preview_context

    token = download_token(document_id=document.pk, user_id=request.user.pk)
    return render(request, "documents/detail.html", {
        "document": document,
        "download_url": reverse("documents:download", args=[document.pk]) + f"?t={token}",
        "review_form": ReviewForm(initial={"doc_type": document.doc_type}),
        "can_review": request_has_permission(request, Perm.DOCUMENTS_REVIEW),
        "request_items": list(document.request_items.values("label", "request__title")),
        "parts": selectors.document_parts(document.pk)
        if document.status == "split" else [],
        **preview_context(document), **extra,
    }, status=status)


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    return detail_page(request, selectors.document_get(document_id))


def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """A signed link: a user's works in their session; an API key's (handed out by the
    API) works on its own while the key is valid and holds the documents permission."""
    token = request.GET.get("t", "")
    api_key_id = download_token_api_key_id(token)
    if api_key_id is None:
        return _download_for_user(request, document_id)
    key = api_key_for_download(request, api_key_id)
    document = selectors.document_get(document_id)
    download_token_check_for_key(token, document_id=document.pk, api_key_id=key.pk)
    return document_file_response(request, document)


document_download.required_permission = Perm.DOCUMENTS_VIEW


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def _download_for_user(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_get(document_id)
    download_token_check(request.GET.get("t", ""), document_id=document.pk,
                         user_id=request.user.pk)
    return document_file_response(request, document)


@require_POST
@firm_permission_required(Perm.DOCUMENTS_REVIEW)
def document_retry(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_get(document_id)
    try:
        services.document_retry(document=document)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, f"{document.file_name} is queued again.")
    return redirect("documents:detail", document_id=document.pk)


@require_POST
@firm_permission_required(Perm.DOCUMENTS_REVIEW)
def document_review(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_get(document_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.document_review(document=document, decision=form.cleaned_data["decision"],
                                     doc_type=form.cleaned_data["doc_type"],
                                     tax_year=form.cleaned_data["tax_year"], request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Review saved.")
            return redirect("documents:detail", document_id=document.pk)
    return detail_page(request, document, status=400, review_form=form, can_review=True)


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def document_status(request: HttpRequest) -> HttpResponse:
    return status_json(request, client_id=None)

