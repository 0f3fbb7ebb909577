"""The per-client way of scoring, as a competent developer would first write it: a few
ORM queries per client and the rules in Python. Kept as the benchmark's baseline
(`manage.py bench_client_health`) and as the tests' second opinion on the set-based SQL.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max

from apps.billing.models import Invoice
from apps.clienthealth.models import ClientHealth
from apps.clienthealth.scoring import Measurements, health_score
from apps.documents.models import Document, DocumentRequestItem
from apps.people.models import Message
from apps.portal.models import Client, ClientAccess, Engagement
from apps.security.models import SignInRecord


def _tenths(value: Decimal) -> Decimal:
    """Rounded as PostgreSQL's round(numeric, 1) does: halves away from zero."""
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


def _days(delta: timedelta) -> Decimal:
    return Decimal(delta.total_seconds()) / Decimal(86400)


def health_measure_one(*, client: Client, now: datetime, firm_id: int) -> Measurements:
    today = now.date()
    since_90, since_180, since_365 = (now - timedelta(days=d) for d in (90, 180, 365))
    overdue = list(Invoice.objects.filter(client=client, status__in=Invoice.OPEN_STATUSES,
                                          balance__gt=0, due_date__lt=today)
                   .values_list("due_date", flat=True))
    paid = list(Invoice.objects.filter(client=client, status=Invoice.Status.PAID,
                                       paid_at__gte=since_365)
                .values_list("paid_at", "due_date"))
    requests = DocumentRequestItem.objects.filter(request__client=client,
                                                  request__cancelled_at__isnull=True,
                                                  fulfilled_at__isnull=True,
                                                  due_date__lt=today).count()
    last_times = [client.created_at]
    last_times.append(Document.objects.filter(client=client, deleted_at__isnull=True,
                                              created_at__gte=since_365)
                      .aggregate(at=Max("created_at"))["at"])
    last_times.append(Message.objects.filter(thread__client=client, from_firm=False,
                                             created_at__gte=since_365)
                      .aggregate(at=Max("created_at"))["at"])
    users = ClientAccess.objects.filter(client=client).values_list("user_id", flat=True)
    last_times.append(SignInRecord.objects.filter(user_id__in=list(users), firm_id=firm_id,
                                                  succeeded=True, created_at__gte=since_365)
                      .aggregate(at=Max("created_at"))["at"])
    last = max(t for t in last_times if t is not None)

    gaps = [_days(item.fulfilled_at - item.request.created_at)
            for item in DocumentRequestItem.objects.filter(
                request__client=client, fulfilled_at__gte=since_180).select_related("request")]
    previous: dict[int, tuple[datetime, bool]] = {}
    for message in Message.objects.filter(thread__client=client,
                                          created_at__gte=since_180 - timedelta(days=30)
                                          ).order_by("created_at", "id"):
        before = previous.get(message.thread_id)
        if (before and before[1] and not message.from_firm
                and message.created_at >= since_180):
            gaps.append(_days(message.created_at - before[0]))
        previous[message.thread_id] = (message.created_at, message.from_firm)

    engagements = Engagement.objects.filter(client=client)
    added = engagements.filter(created_at__gte=since_90).count()
    ended = sum(1 for e in engagements.filter(status__in=("completed", "cancelled"))
                if (e.end_date or e.updated_at.date()) >= since_90.date())
    late = [max(0, (paid_at.date() - due).days) for paid_at, due in paid]
    return Measurements(
        overdue_invoices=len(overdue),
        worst_days_late=max(((today - due).days for due in overdue), default=0),
        overdue_requests=requests,
        days_idle=max(0, (today - last.date()).days),
        response_days=_tenths(sum(gaps) / len(gaps)) if gaps else None,
        engagements_added=added, engagements_ended=ended,
        paid_days_late=_tenths(Decimal(sum(late)) / len(late)) if late else None,
    )


def health_refresh_naive(*, now: datetime, firm_id: int, clients=None) -> int:
    """Score clients one by one and save each row (the benchmark's baseline)."""
    count = 0
    for client in clients if clients is not None else Client.objects.alive():
        measured = health_measure_one(client=client, now=now, firm_id=firm_id)
        ClientHealth.objects.update_or_create(
            client=client, defaults={"score": health_score(measured), "computed_at": now,
                                     **asdict(measured)})
        count += 1
    return count
