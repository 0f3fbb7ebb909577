"""Staff pages for document requests: what is outstanding, ask a client, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.documents import selectors
from apps.documents.forms import RequestForm
from apps.documents.models import DocumentRequest
from apps.documents.requests import document_request_cancel, document_request_create
from apps.portal.forms import apply_service_errors
from apps.portal.selectors import client_get


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def request_list(request: HttpRequest) -> HttpResponse:
    return render(request, "documents/requests.html", {
        "items": selectors.outstanding_request_items(),
        "can_cancel": request_has_permission(request, Perm.DOCUMENTS_UPLOAD),
        "today": timezone.localdate(),
    })


@firm_permission_required(Perm.DOCUMENTS_UPLOAD)
def request_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_get(client_id)
    form = RequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                document_request_create(client=client, title=form.cleaned_data["title"],
                                        message=form.cleaned_data["message"],
                                        lines=form.lines(), created_by_id=request.user.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Request sent to {client.business_name}.")
                return redirect("documents:requests")
        return render(request, "documents/request_form.html",
                      {"form": form, "client": client}, status=400)
    return render(request, "documents/request_form.html", {"form": form, "client": client})


@require_POST
@firm_permission_required(Perm.DOCUMENTS_UPLOAD)
def request_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    document_request = DocumentRequest.objects.filter(pk=request_id).first()
    if document_request is None:
        raise Http404("No such request.")
    document_request_cancel(request=document_request)
    messages.success(request, f"Request “{document_request.title}” cancelled.")
    return redirect("documents:requests")
