"""Documents API (`/api/v1/documents/`): list and search, multipart upload, detail with a
signed download link, retry of a failed document."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import HasFirmPermission
from apps.accounts.roles import Perm
from apps.documents import selectors, services
from apps.documents.api import serializers
from apps.documents.downloads import download_token, download_token_for_key
from apps.documents.forms import SearchForm
from apps.documents.models import Document
from apps.documents.selectors import DocumentQuery
from apps.portal.api.views import IdCursorPagination
from apps.portal.models import Client
from apps.security.models import ApiKey


def _too_many_files() -> ValidationError:
    return ValidationError({"files": [f"Up to {settings.DOCUMENTS_MAX_FILES_PER_UPLOAD} files "
                                      "can be uploaded at once."]})


class UploadParser(MultiPartParser):
    """Django stops reading a body with more than DATA_UPLOAD_MAX_NUMBER_FILES files by
    raising TooManyFilesSent, a SuspiciousOperation that DRF does not translate (an HTML
    400 page and a logged traceback). Here it is the same field error as 51 files."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except TooManyFilesSent as exc:
            raise _too_many_files() from exc


class NewestFirstCursor(IdCursorPagination):
    ordering = "-id"


def _as_row(document: Document) -> dict:
    return {name: getattr(document, name) for name in serializers.DOCUMENT_FIELDS}


def _drf_error(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict")
                           else {"non_field_errors": exc.messages})


class DocumentListAPI(ListAPIView):
    """GET: the firm's documents, newest first, filtered; POST: upload files."""

    permission_classes = [HasFirmPermission]
    pagination_class = NewestFirstCursor
    serializer_class = serializers.DocumentOutput
    parser_classes = [UploadParser]
    filter_backends: list = []

    @property
    def required_permission(self) -> str:
        return Perm.DOCUMENTS_UPLOAD if self.request.method == "POST" else Perm.DOCUMENTS_VIEW

    def get_queryset(self):
        form = SearchForm({key: self.request.query_params.get(key, "")
                           for key in ("q", "category", "doc_type", "status", "client",
                                       "tax_year")})
        if not form.is_valid():
            raise ValidationError(form.errors)
        data = form.cleaned_data
        query = DocumentQuery(q=data["q"], category=data["category"], doc_type=data["doc_type"],
                              status=data["status"], client_id=data["client"],
                              tax_year=data["tax_year"])
        # Cursor pages need a stable order: newest first, the text filter still applies.
        return selectors.document_search(query).order_by("-id").values(
            *serializers.DOCUMENT_FIELDS)

    @extend_schema(request={"multipart/form-data": serializers.UploadInput},
                   responses={201: serializers.UploadOutput})
    def post(self, request: Request, **kwargs) -> Response:
        data = {"client": request.data.get("client"),
                "category": request.data.get("category") or Document.Category.OTHER,
                "files": request.FILES.getlist("files") or request.FILES.getlist("file")}
        if len(data["files"]) > settings.DOCUMENTS_MAX_FILES_PER_UPLOAD:
            raise _too_many_files()
        given = serializers.UploadInput(data=data)
        given.is_valid(raise_exception=True)
        client = Client.objects.alive().filter(pk=given.validated_data["client"]).first()
        if client is None:
            raise ValidationError({"client": ["No such client in this firm."]})
        try:
            result = services.documents_upload(
                client=client, files=given.validated_data["files"],
                category=given.validated_data["category"], uploaded_by_id=request.user.pk)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from exc
        body = {"batch_id": result.batch.pk if result.batch else None,
                "created": [_as_row(d) for d in result.created],
                "duplicates": [{**_as_row(d.document), "uploaded_as": d.uploaded_as,
                                "in_this_upload": d.in_this_upload}
                               for d in result.duplicates],
                "processing": result.backlog.as_dict() if result.backlog else None}
        return Response(serializers.UploadOutput(body).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class DocumentDetailAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.DOCUMENTS_VIEW

    @extend_schema(responses=serializers.DocumentDetailOutput)
    def get(self, request: Request, pk: int, **kwargs) -> Response:
        document = selectors.document_get(pk)
        if isinstance(request.auth, ApiKey):
            # No user and no session behind a key: the link carries the key instead.
            token = download_token_for_key(document_id=document.pk, api_key_id=request.auth.pk)
        else:
            token = download_token(document_id=document.pk, user_id=request.user.pk)
        body = {**_as_row(document), "fields": document.fields,
                "download_url": request.build_absolute_uri(
                    reverse("documents:download", args=[document.pk]) + f"?t={token}")}
        return Response(serializers.DocumentDetailOutput(body).data)


class DocumentRetryAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.DOCUMENTS_REVIEW

    @extend_schema(request=None, responses={202: serializers.DocumentOutput})
    def post(self, request: Request, pk: int, **kwargs) -> Response:
        document = selectors.document_get(pk)
        try:
            document = services.document_retry(document=document)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from exc
        return Response(serializers.DocumentOutput(_as_row(document)).data,
                        status=status.HTTP_202_ACCEPTED)
