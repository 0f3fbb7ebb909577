"""Billing API for integrators (`/api/v1/billing/`): invoices (list, create, read, send,
void), payments (list, record with an Idempotency-Key header) and the firm's revenue
share entries. Permission-checked by role or API key scope, filtered, cursor-paginated."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisoros.api import StrictCursorPagination, output_data, service_errors, validated_body
from apps.accounts.permissions import HasFirmPermission, ListAndCreatePermissions
from apps.accounts.roles import Perm
from apps.billing.api import filters, serializers
from apps.billing.models import Invoice, Payment
from apps.billing.payments import payment_apply
from apps.billing.selectors import invoice_detail_get
from apps.billing.services import invoice_create_with_lines, invoice_send, invoice_void
from apps.ledger.models import RevenueShareEntry
from apps.portal.models import Engagement


class NewestFirst(StrictCursorPagination):
    ordering = "-id"


def _invoice_out(invoice_id: int) -> dict:
    detail = invoice_detail_get(invoice_id)
    return _invoice_data(detail.invoice, detail.lines)


def _invoice_data(invoice: Invoice, lines: list) -> dict:
    data = {f: getattr(invoice, f) for f in serializers.INVOICE_FIELDS}
    data["lines"] = lines
    return output_data(serializers.InvoiceDetailOutput, data)


class InvoiceListAPI(ListAndCreatePermissions, ListAPIView):
    permission_classes = [HasFirmPermission]
    read_permission, create_permission = Perm.INVOICES_VIEW, Perm.INVOICES_EDIT
    pagination_class = NewestFirst
    serializer_class = serializers.InvoiceOutput
    filterset_class = filters.InvoiceFilter

    def get_queryset(self):
        return (Invoice.objects.filter(client__deleted_at__isnull=True)
                .values(*serializers.INVOICE_FIELDS))

    @extend_schema(request=serializers.InvoiceCreateInput,
                   responses={201: serializers.InvoiceDetailOutput})
    def post(self, request: Request, **kwargs) -> Response:
        data = validated_body(serializers.InvoiceCreateInput, request)
        engagement = None
        if data.get("engagement"):
            engagement = Engagement.objects.filter(pk=data["engagement"]).first()
            if engagement is None:
                raise ValidationError({"engagement": ["No such engagement."]})
        try:
            # The client is checked (exists, not archived) by the statement that writes
            # the invoice: no read of it first.
            created = invoice_create_with_lines(
                client_id=data["client"], engagement=engagement,
                marketplace_engagement_id=data.get("marketplace_engagement"),
                issue_date=data.get("issue_date"), payment_terms=data["payment_terms"],
                currency=data["currency"], notes=data["notes"], lines=data["lines"],
                created_by=request.user, request=request)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        # What was just written is known: answered without reading the invoice back.
        return Response(_invoice_data(created.invoice, created.lines),
                        status=status.HTTP_201_CREATED)


class InvoiceDetailAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.INVOICES_VIEW

    @extend_schema(responses=serializers.InvoiceDetailOutput)
    def get(self, request: Request, pk: int, **kwargs) -> Response:
        return Response(_invoice_out(pk))


class InvoiceSendAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.INVOICES_EDIT

    @extend_schema(request=None, responses=serializers.InvoiceDetailOutput)
    def post(self, request: Request, pk: int, **kwargs) -> Response:
        invoice = invoice_detail_get(pk).invoice
        try:
            invoice_send(invoice=invoice, actor=request.user, request=request)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(_invoice_out(pk))


class InvoiceVoidAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.INVOICES_EDIT

    @extend_schema(request=serializers.VoidInput, responses=serializers.InvoiceDetailOutput)
    def post(self, request: Request, pk: int, **kwargs) -> Response:
        invoice = invoice_detail_get(pk).invoice
        data = validated_body(serializers.VoidInput, request)
        try:
            invoice_void(invoice=invoice, reason=data["reason"], actor=request.user,
                         request=request)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(_invoice_out(pk))


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,100}$"},
    OpenApiParameter.HEADER, required=True,
    description="A new key per payment; retry with the same key and the payment is "
                "returned, not recorded again.")


class PaymentListAPI(ListAndCreatePermissions, ListAPIView):
    permission_classes = [HasFirmPermission]
    read_permission, create_permission = Perm.INVOICES_VIEW, Perm.PAYMENTS_RECORD
    pagination_class = NewestFirst
    serializer_class = serializers.PaymentOutput
    filterset_class = filters.PaymentFilter

    def get_queryset(self):
        return (Payment.objects.filter(invoice__client__deleted_at__isnull=True)
                .values(*serializers.PAYMENT_FIELDS))

    @extend_schema(request=serializers.PaymentInput, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: serializers.PaymentOutput, 200: serializers.PaymentOutput})
    def post(self, request: Request, **kwargs) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            raise ValidationError({"Idempotency-Key": ["Send an Idempotency-Key header."]})
        data = validated_body(serializers.PaymentInput, request)
        invoice = Invoice.objects.filter(pk=data["invoice"],
                                         client__deleted_at__isnull=True).first()
        if invoice is None:
            raise ValidationError({"invoice": ["No such invoice."]})
        try:
            recorded = payment_apply(invoice=invoice, amount=data["amount"],
                                     method=data["method"], received_on=data.get("received_on"),
                                     reference=data["reference"], idempotency_key=key,
                                     recorded_by=request.user, request=request)
        except DjangoValidationError as exc:
            errors = service_errors(exc)
            if "idempotency_key" in errors.detail:
                errors.detail["Idempotency-Key"] = errors.detail.pop("idempotency_key")
            raise errors from exc
        out = serializers.PaymentOutput({f: getattr(recorded.payment, f)
                                         for f in serializers.PAYMENT_FIELDS}).data
        # A replay (this key already made the payment, even by a request still running a
        # moment ago) answers 200 with the first request's payment; a new payment 201.
        return Response(out, status=status.HTTP_200_OK if recorded.replayed
                        else status.HTTP_201_CREATED)


class RevenueShareListAPI(ListAPIView):
    """This firm's commission and reversal entries in the platform's ledger."""

    permission_classes = [HasFirmPermission]
    required_permission = Perm.REPORTS_VIEW
    pagination_class = NewestFirst
    serializer_class = serializers.RevenueShareOutput
    filterset_class = filters.RevenueShareFilter

    queryset = RevenueShareEntry.objects.none()  # for the schema; requests use the firm's

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (RevenueShareEntry.objects.filter(firm_id=self.request.firm.pk)
                .values(*serializers.REVENUE_SHARE_FIELDS))
