"""Health scores on hand-computed fixtures, the set-based refresh against the per-client
computation, the history, and deleted clients."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.clienthealth.models import ClientHealth, ClientHealthSnapshot
from apps.clienthealth.naive import health_measure_one
from apps.clienthealth.scoring import Measurements, health_level, health_penalties, health_score
from apps.clienthealth.selectors import MEASUREMENT_FIELDS, client_health_get
from apps.clienthealth.services import health_refresh
from apps.clienthealth.tasks import health_refresh_task
from tests.clienthealth.factories import (
    ended_engagements,
    idle_since,
    overdue_invoice,
    overdue_requests,
    paid_invoice,
    reply_after,
)
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def _stored(client) -> ClientHealth:
    return ClientHealth.objects.get(client=client)


def test_a_client_with_nothing_wrong_scores_100(in_firm_a):
    client = make_client()

    health_refresh()

    assert _stored(client).score == 100
    assert client_health_get(client_id=client.pk).reasons == []


def test_overdue_invoices_and_requests_cost_what_the_rules_say(in_firm_a):
    client = make_client()
    overdue_invoice(client, days_late=45)
    overdue_invoice(client, days_late=10)
    overdue_requests(client, 3)

    health_refresh()

    # invoices: 8 x 2 + 45 // 10 = 20; requests: 5 x 3 = 15; 100 - 35 = 65
    row = _stored(client)
    assert (row.score, row.overdue_invoices, row.worst_days_late, row.overdue_requests) == \
        (65, 2, 45, 3)
    view = client_health_get(client_id=client.pk)
    assert view.level_label == "Needs attention"
    assert [reason for _, _, reason in view.reasons] == [
        "2 invoices overdue, the oldest 45 days late", "3 requested documents overdue"]


def test_silence_slow_answers_ended_engagements_and_late_payments(in_firm_a):
    client = make_client()
    idle_since(client, 100)  # no sign-in, upload or message since it was added
    ended_engagements(client, 2)  # 2 ended, none added: 20
    paid_invoice(client, days_late=40)  # 40 days late on average: 15
    paid_invoice(client, days_late=20)

    health_refresh()

    # idle 100 days: 20; engagements: 20; payments (40 + 20) / 2 = 30 days: 7 -> 53
    row = _stored(client)
    assert (row.days_idle, row.engagements_ended, row.paid_days_late, row.score) == \
        (100, 2, Decimal("30.0"), 53)
    assert [reason for _, _, reason in client_health_get(client_id=client.pk).reasons] == [
        "no sign-in, upload or message in 100 days", "2 engagements ended, none added in "
        "90 days", "pays 30 days late on average"]


def test_a_client_message_counts_as_activity_and_its_delay_as_response_time(in_firm_a):
    client = make_client()
    idle_since(client, 100)
    reply_after(client, days=10)  # the client answered today, 10 days after being asked

    health_refresh()

    row = _stored(client)
    assert (row.days_idle, row.response_days, row.score) == (0, Decimal("10.0"), 93)


def test_the_set_based_refresh_agrees_with_the_per_client_computation(in_firm_a):
    clients = [make_client() for _ in range(5)]
    overdue_invoice(clients[0], days_late=75)
    overdue_requests(clients[1], 6)
    idle_since(clients[2], 40)
    reply_after(clients[2], days=20)
    ended_engagements(clients[3], 1)
    paid_invoice(clients[4], days_late=12)
    now = timezone.now()

    health_refresh(now=now)

    for client in clients:
        client.refresh_from_db()
        measured = health_measure_one(client=client, now=now, firm_id=in_firm_a.firm.pk)
        row = _stored(client)
        assert Measurements(**{f: getattr(row, f) for f in MEASUREMENT_FIELDS}) == measured
        assert row.score == health_score(measured)


def test_every_penalty_is_capped_and_the_score_never_goes_below_zero():
    worst = Measurements(overdue_invoices=9, worst_days_late=400, overdue_requests=30,
                         days_idle=365, response_days=Decimal("40"), engagements_added=0,
                         engagements_ended=5, paid_days_late=Decimal("90"))

    assert [points for _, points, _ in health_penalties(worst)] == [30, 20, 20, 15, 20, 15]
    assert health_score(worst) == 0
    assert health_level(0) == ("at_risk", "At risk")
    assert health_level(70) == ("healthy", "Healthy")


def test_history_keeps_one_score_a_day_and_a_rerun_is_harmless(in_firm_a):
    client = make_client()
    health_refresh()
    overdue_requests(client, 2)

    health_refresh_task()  # same day: the day's value is replaced, not added

    assert list(ClientHealthSnapshot.objects.filter(client=client)
                .values_list("day", "score")) == [(timezone.now().date(), 90)]


def test_a_deleted_client_leaves_the_scores(in_firm_a):
    client = make_client()
    health_refresh()
    client.deleted_at = timezone.now()
    client.save(update_fields=["deleted_at"])

    health_refresh()

    assert not ClientHealth.objects.filter(client=client).exists()
