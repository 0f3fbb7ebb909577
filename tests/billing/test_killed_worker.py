"""Exactly once under a killed worker: a real Celery worker process picks up the paid
event, is killed (SIGKILL) in the middle of the task, the broker redelivers it, and the
ledger still holds exactly one commission. The data is committed (a worker is another
process) and removed afterwards; every wait is bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from advisoros.celery import app
from apps.billing.models import Invoice
from apps.billing.tasks import revenue_share_record
from apps.ledger.models import RevenueShareEntry
from apps.portal.models import Client

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 60


def wait_for(condition: Callable[[], bool], what: str, seconds: float = DEADLINE_SECONDS
             ) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def paid_marketplace_invoice(_two_firms, django_db_blocker) -> Iterator[tuple]:
    """Committed rows: an advisor, a marketplace engagement and a paid invoice of firm A.
    Made with plain inserts (no audit rows, which are append-only) and deleted after."""
    from apps.accounts.roles import Role
    from tests.marketplace.factories import make_advisor, make_engagement

    world = _two_firms[0]
    with django_db_blocker.unblock():
        advisor = make_advisor(embed=False)
        with schema_context(world.firm.schema_name):
            client = Client.objects.create(business_name="Killed worker client")
            engagement = make_engagement(firm=world.firm, advisor=advisor,
                                         requested_by=world.users[Role.OWNER],
                                         status="active", client_id=client.pk)
            invoice = Invoice.objects.create(
                client=client, marketplace_engagement_id=engagement.pk, number="KW-00001",
                status=Invoice.Status.PAID, issue_date=date(2026, 1, 1),
                due_date=date(2026, 1, 31), total=Decimal("800.00"), balance=Decimal("0"),
                paid_at=timezone.now())
        connection.set_schema_to_public()
        yield world, invoice
        connection.set_schema_to_public()
        RevenueShareEntry.objects.filter(invoice_id=invoice.pk,
                                         firm_id=world.firm.pk).delete()
        with schema_context(world.firm.schema_name):
            Invoice.objects.filter(pk=invoice.pk).delete()
            client.delete()
        engagement.delete()
        user = advisor.user
        advisor.delete()
        user.delete()


@pytest.fixture
def worker(django_db_blocker) -> Iterator[dict]:
    """`celery -A advisoros worker` (prefork, one child) on this test run's database and
    Redis databases; stopped by its pid afterwards."""
    app.control.purge()
    log_dir = Path(settings.DATA_DIR)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"test-billing-worker-{os.getpid()}.log", "w+b")  # noqa: SIM115
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "advisoros.settings_test",
           "ADVISOROS_DB_NAME": settings.DATABASES["default"]["NAME"],
           "REDIS_DB_BASE": str(settings.REDIS_DB_BASE)}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "advisoros", "worker",
         "--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    state = {"process": process, "log": log}
    try:
        wait_for(lambda: b"ready" in Path(log.name).read_bytes(), "the worker to start")
        yield state
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        # Shown by pytest when the test fails: what the worker did.
        print(Path(log.name).read_text(errors="replace")[-5000:])
        Path(log.name).unlink(missing_ok=True)
        app.control.purge()


def pool_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Activity is snapshotted per transaction; the caller holds one open.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND pid <> pg_backend_pid() AND datname = current_database()")
        return cursor.fetchone()[0] > 0


def commissions(world, invoice) -> int:
    return RevenueShareEntry.objects.filter(firm_id=world.firm.pk, invoice_id=invoice.pk,
                                            kind="commission").count()


@pytest.mark.slow
def test_a_worker_killed_mid_task_still_records_the_commission_once(
        paid_marketplace_invoice, worker, django_db_blocker):
    world, invoice = paid_marketplace_invoice
    process = worker["process"]
    log_path = Path(worker["log"].name)
    with django_db_blocker.unblock():
        # Hold the invoice's row lock: the task starts, then waits inside its transaction.
        with transaction.atomic(), schema_context(world.firm.schema_name):
            Invoice.objects.select_for_update().get(pk=invoice.pk)
            revenue_share_record.delay(invoice_id=invoice.pk)
            revenue_share_record.delay(invoice_id=invoice.pk)  # the paid event, twice
            wait_for(blocked_on_a_lock, "the task to start and wait on the invoice")
            children = pool_children(process.pid)
            assert len(children) == 1
            os.kill(children[0], signal.SIGKILL)  # the worker dies mid-task
            wait_for(lambda: b"SIGKILL" in log_path.read_bytes(), "the worker to see the kill")
            # The broker hands the unacknowledged message to a new child, which waits again.
            wait_for(lambda: pool_children(process.pid) not in ([], children),
                     "a replacement child")
            wait_for(blocked_on_a_lock, "the redelivered task to start")
            assert commissions(world, invoice) == 0
        # Lock released: the redelivered task and the duplicate run to the end.
        connection.set_schema_to_public()
        wait_for(lambda: commissions(world, invoice) == 1, "the commission")
        wait_for(lambda: log_path.read_bytes().count(b"succeeded") >= 2,
                 "both messages to finish")
        time.sleep(0.5)

        assert commissions(world, invoice) == 1
        entry = RevenueShareEntry.objects.get(firm_id=world.firm.pk, invoice_id=invoice.pk)
        assert (entry.gross_amount, entry.platform_fee, entry.advisor_payout) == (
            Decimal("800.00"), Decimal("120.00"), Decimal("680.00"))
        assert b"WorkerLostError" in log_path.read_bytes()


@pytest.mark.django_db
def test_billing_tasks_are_acknowledged_late_and_requeued_when_a_worker_dies():
    """The settings the test above relies on (and that production needs). Marked for the
    database too, so a run of this module alone sets the test database up."""
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert {"billing.revenue_share_record", "billing.revenue_share_catch_up",
            "billing.recurring_invoices_generate",
            "billing.invoices_mark_overdue"} <= set(app.tasks)
