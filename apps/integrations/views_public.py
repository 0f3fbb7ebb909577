"""The bare domain's two QuickBooks addresses: the OAuth redirect registered with Intuit
(it bounces to the firm's host that started the connection) and the webhook receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from apps.firms.models import Firm
from apps.firms.selectors import firm_host
from apps.integrations.realms.models import QuickBooksRealm

_MAX_WEBHOOK_BYTES = 256 * 1024


def quickbooks_callback_bounce(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    try:
        # Only routing here: the firm's host verifies the signature, age and browser.
        schema = signing.loads(state, salt="integrations.quickbooks.oauth-state",
                               max_age=15 * 60)["s"]
    except (signing.BadSignature, KeyError, TypeError):
        return HttpResponseBadRequest("This QuickBooks answer is not one we started.")
    firm = Firm.objects.filter(schema_name=schema).first()
    if firm is None:
        return HttpResponseBadRequest("The firm that started this connection is gone.")
    port = request.get_port()
    default = {"http": "80", "https": "443"}[request.scheme]
    suffix = f":{port}" if port and port != default else ""
    return redirect(f"{request.scheme}://{firm_host(firm.slug)}{suffix}"
                    f"/integrations/quickbooks/callback/?{request.GET.urlencode()}")


@csrf_exempt
@require_POST
def quickbooks_webhook(request: HttpRequest) -> HttpResponse:
    """Intuit's change notifications: verified by HMAC-SHA256 under the verifier token,
    then an incremental sync of each named company in every firm connected to it."""
    from apps.integrations.tasks import quickbooks_webhook_sync

    body = request.body[:_MAX_WEBHOOK_BYTES + 1]
    if len(body) > _MAX_WEBHOOK_BYTES:
        return JsonResponse({"detail": "Payload too large."}, status=413)
    expected = base64.b64encode(hmac.new(settings.QUICKBOOKS_WEBHOOK_VERIFIER.encode(), body,
                                         hashlib.sha256).digest()).decode()
    if not settings.QUICKBOOKS_WEBHOOK_VERIFIER or not hmac.compare_digest(
            expected, request.headers.get("intuit-signature", "")):
        return JsonResponse({"detail": "Bad signature."}, status=401)
    try:
        realms = {str(n["realmId"]) for n in json.loads(body)["eventNotifications"]}
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "Not a QuickBooks notification."}, status=400)
    queued = 0
    for row in QuickBooksRealm.objects.filter(realm_id__in=realms).select_related("firm"):
        with schema_context(row.firm.schema_name):
            quickbooks_webhook_sync.delay(row.connection_id)
        queued += 1
    return JsonResponse({"queued": queued})
