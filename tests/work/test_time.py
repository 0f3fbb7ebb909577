"""Time tracking: timer and manual entries, rates, WIP, billing WIP exactly once (also
under concurrent bills, with threads) and realization per job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.roles import Role
from apps.billing.models import Invoice
from apps.work.models import RoleRate, TimeEntry
from apps.work.timetracking import (
    job_realization,
    time_entry_create,
    timer_start,
    timer_stop,
    wip_bill,
    wip_by_client,
    wip_by_job,
)
from tests.work.factories import make_client, make_job, make_profile
from tests.work.threads import Race

pytestmark = pytest.mark.django_db


def test_a_timer_runs_once_per_person_and_stops_into_minutes(in_firm_a):
    world = in_firm_a
    me = world.user(Role.STAFF_ACCOUNTANT)
    job = make_job()
    entry = timer_start(user_id=me.pk, firm_id=world.firm.pk, job=job)

    with pytest.raises(ValidationError) as twice:
        timer_start(user_id=me.pk, firm_id=world.firm.pk, job=job)
    TimeEntry.objects.filter(pk=entry.pk).update(
        started_at=timezone.now() - timedelta(minutes=44, seconds=10))
    stopped = timer_stop(user_id=me.pk)

    assert "already have a timer running" in str(twice.value)
    assert stopped.pk == entry.pk and stopped.minutes == 45
    assert timer_stop(user_id=me.pk) is None


def test_rates_come_from_the_person_then_the_role(in_firm_a):
    world = in_firm_a
    RoleRate.objects.create(role=Role.BOOKKEEPER, hourly_rate=Decimal("90.00"))
    bookkeeper, senior = world.user(Role.BOOKKEEPER), world.user(Role.SENIOR_ACCOUNTANT)
    make_profile(senior).__class__.objects.filter(user_id=senior.pk).update(
        hourly_rate=Decimal("150.00"))
    job = make_job()

    by_role = time_entry_create(user_id=bookkeeper.pk, firm_id=world.firm.pk, job=job,
                                minutes=90)
    by_person = time_entry_create(user_id=senior.pk, firm_id=world.firm.pk, job=job,
                                  minutes=20)

    assert (by_role.rate, by_person.rate) == (Decimal("90.00"), Decimal("150.00"))
    assert [(row.minutes, row.value) for row in wip_by_job()] == [(110, Decimal("185.00"))]


def test_bad_time_is_refused_with_field_messages(in_firm_a):
    world = in_firm_a
    job = make_job()
    with pytest.raises(ValidationError) as refused:
        time_entry_create(user_id=world.user(Role.OWNER).pk, firm_id=world.firm.pk, job=job,
                          minutes=0, work_date=timezone.localdate() + timedelta(days=2))

    assert set(refused.value.message_dict) == {"minutes", "work_date"}
    assert TimeEntry.objects.count() == 0


def test_wip_becomes_invoice_lines_once_and_realization_follows(in_firm_a):
    world = in_firm_a
    RoleRate.objects.create(role=Role.TAX_PREPARER, hourly_rate=Decimal("120.00"))
    preparer = world.user(Role.TAX_PREPARER)
    client = make_client(business_name="Okafor Bakery")
    job = make_job(client=client)
    for minutes in (60, 30, 10):
        time_entry_create(user_id=preparer.pk, firm_id=world.firm.pk, job=job,
                          minutes=minutes)
    time_entry_create(user_id=preparer.pk, firm_id=world.firm.pk, job=job, minutes=15,
                      billable=False)
    assert [(r.name, r.value) for r in wip_by_client()] == [("Okafor Bakery",
                                                            Decimal("200.00"))]

    invoice = wip_bill(client=client, job=job, amount=Decimal("170.00"))

    assert invoice.total == Decimal("170.00")
    assert list(invoice.lines.values_list("description", flat=True)) == [
        f"{job.name} — 1.67 h"]
    billed = TimeEntry.objects.filter(invoice=invoice)
    assert billed.count() == 3
    assert sum(billed.values_list("billed_amount", flat=True)) == Decimal("170.00")
    assert wip_by_client() == []
    realization = job_realization(job)
    assert (realization.standard, realization.billed, realization.rate) == (
        Decimal("200.00"), Decimal("170.00"), Decimal("85.0"))
    with pytest.raises(ValidationError):
        wip_bill(client=client)
    assert Invoice.objects.filter(client=client).count() == 1


@pytest.mark.django_db
def test_concurrent_bills_invoice_the_same_time_once(_two_firms, django_db_blocker):
    world = _two_firms[0]
    race = Race(racers=6)
    ids = race.ids

    def setup() -> None:
        make_profile(world.users[Role.BOOKKEEPER]).__class__.objects.filter(
            user_id=world.users[Role.BOOKKEEPER].pk).update(hourly_rate=Decimal("100.00"))
        client = make_client(business_name="Concurrent billing client")
        job = make_job(client=client)
        for minutes in (60, 45, 30):
            time_entry_create(user_id=world.users[Role.BOOKKEEPER].pk,
                              firm_id=world.firm.pk, job=job, minutes=minutes)
        ids.update(client=client.pk, job=job.pk)

    def bill() -> None:
        from apps.portal.models import Client

        client = Client.objects.get(pk=ids["client"])
        race.start.wait(timeout=30)
        try:
            invoice = wip_bill(client=client)
            race.results.append(f"billed {invoice.total}")
        except ValidationError:
            race.results.append("nothing left")

    def count_and_clean_up() -> None:
        from apps.billing.models import InvoiceLine
        from apps.portal.models import Client
        from apps.work.models import Job, StaffProfile

        entries = TimeEntry.objects.filter(client_id=ids["client"])
        race.counts["invoices"] = Invoice.objects.filter(client_id=ids["client"]).count()
        race.counts["billed"] = sorted(set(entries.values_list("invoice_id", flat=True)))
        entries.delete()
        InvoiceLine.objects.filter(invoice__client_id=ids["client"]).delete()
        Invoice.objects.filter(client_id=ids["client"]).delete()
        job = Job.objects.get(pk=ids["job"])
        job.tasks.all().delete()
        job.timeline.all().delete()
        job.delete()
        Client.objects.filter(pk=ids["client"]).delete()
        StaffProfile.objects.filter(user_id=world.users[Role.BOOKKEEPER].pk).delete()
        from apps.work.workload import workload_recount

        workload_recount()

    race.run(world.firm, django_db_blocker, setup=setup, racer=bill,
             settle=count_and_clean_up)

    assert race.errors == []
    assert sorted(race.results) == ["billed 225.00"] + ["nothing left"] * 5
    assert race.counts["invoices"] == 1 and len(race.counts["billed"]) == 1
