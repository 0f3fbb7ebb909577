"""Telling a firm's admins that one of their webhook endpoints was disabled. The mail names
the endpoint and links to its page; it carries no event data."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.firms.selectors import firm_host
from apps.integrations.models import WebhookEndpoint


def webhook_disabled_notify(*, endpoint_id: int) -> int:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return 0
    firm = connection.tenant
    emails = sorted(Membership.objects.filter(
        firm_id=firm.pk, role__in=[Role.OWNER, Role.ADMIN], is_active=True)
        .values_list("user__email", flat=True))
    if not emails:
        return 0
    link = f"https://{firm_host(firm.slug)}/staff/integrations/webhooks/{endpoint.pk}/"
    send_mail(
        subject=f"{firm.name}: a webhook endpoint was disabled",
        message=(f"Deliveries to a webhook endpoint of {firm.name} failed for a whole day, "
                 f"so AdvisorOS stopped sending to it.\n\n{endpoint.disabled_reason}\n\n"
                 f"Review it and turn it back on: {link}\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=emails)
    return len(emails)
