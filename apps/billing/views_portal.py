"""Client portal billing pages: one invoice (with online payment) and its PDF. The client
comes from the user's ClientAccess rows (the portal's own check): another client's
invoice, or a draft, answers 404 like one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from apps.accounts.access import request_has_permission
from apps.accounts.roles import Perm
from apps.billing import selectors
from apps.billing.forms import PortalPayForm
from apps.billing.online import invoice_pay_online
from apps.billing.providers import online_payments_enabled, payment_provider_get
from apps.billing.views_staff import pdf_response
from apps.portal.forms import apply_service_errors
from apps.portal.models import Client
from apps.portal.views_portal import portal_page


def _invoice_page(request: HttpRequest, client: Client, invoice_id: int,
                  form: PortalPayForm | None = None, status: int = 200) -> HttpResponse:
    detail = selectors.invoice_detail_get(invoice_id, client_id=client.pk,
                                          include_drafts=False)
    can_pay = (request_has_permission(request, Perm.PORTAL_PAY) and online_payments_enabled()
               and detail.invoice.status in detail.invoice.OPEN_STATUSES)
    provider = payment_provider_get()
    return render(request, "billing/portal_invoice.html", {
        "client": client, "section": "invoices", "portal_clients": request.portal_clients,
        "detail": detail, "invoice": detail.invoice, "can_pay": can_pay,
        "pay_form": form or PortalPayForm(initial={"amount": detail.invoice.balance}),
        "test_mode": getattr(provider, "test_mode", False),
        "test_cards": TEST_CARDS_SHOWN}, status=status)


# What the test-mode notice lists (the fake provider's TEST_CARDS, grouped as printed).
TEST_CARDS_SHOWN = [("4242 4242 4242 4242", "paid"), ("5555 5555 5555 4444", "paid"),
                    ("3782 822463 10005", "paid (American Express, 4-digit code)"),
                    ("4000 0000 0000 0002", "declined")]


@sensitive_post_parameters("card_number", "cvc", "expiry")
@portal_page
def portal_invoice(request: HttpRequest, client: Client, invoice_id: int) -> HttpResponse:
    if request.method != "POST":
        return _invoice_page(request, client, invoice_id)
    if not request_has_permission(request, Perm.PORTAL_PAY) or not online_payments_enabled():
        # The page shows no form then; a forged POST takes no payment.
        raise PermissionDenied
    invoice = selectors.invoice_detail_get(invoice_id, client_id=client.pk,
                                           include_drafts=False).invoice
    form = PortalPayForm(request.POST, provider=payment_provider_get(),
                         today=timezone.localdate())
    if form.is_valid():
        try:
            payment = invoice_pay_online(invoice=invoice, payer=request.user, request=request,
                                         **form.payment_kwargs())
        except ValidationError as exc:
            # The provider's refusal of the card belongs next to the card number.
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            if "token" in errors:
                form.add_error("card_number", errors.pop("token"))
                exc = ValidationError(errors) if errors else None
            if exc is not None:
                apply_service_errors(form, exc)
        else:
            messages.success(request, f"Thank you: {payment.amount} {invoice.currency} paid.")
            return redirect("portal_billing:invoice", client_id=client.pk,
                            invoice_id=invoice.pk)
    return _invoice_page(request, client, invoice_id, form=form, status=400)


@portal_page
def portal_invoice_pdf(request: HttpRequest, client: Client, invoice_id: int) -> HttpResponse:
    detail = selectors.invoice_detail_get(invoice_id, client_id=client.pk,
                                          include_drafts=False)
    return pdf_response(detail, request.firm.name)
