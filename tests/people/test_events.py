"""Notifications for other apps' events: documents uploaded and processed, requests due
soon, invoices sent and paid, jobs assigned. Each reaches the right people only (never a
portal user of another client), follows their preferences, and is told once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from advisoros.beat import BEAT_SCHEDULE
from apps.accounts.roles import Role
from apps.billing.payments import payment_record
from apps.billing.services import invoice_send
from apps.documents.requests import RequestLine, document_request_create
from apps.documents.services import documents_upload
from apps.people.events import requests_due_soon_notify
from apps.people.messaging import thread_start
from apps.people.models import Notification
from apps.people.notifications import preference_set
from apps.people.tasks import announce_task, requests_due_soon_task
from apps.work.services import job_update
from tests.billing.factories import draft_invoice
from tests.documents.samples import INVOICE_LINES, pdf_bytes, upload
from tests.people.smtp import bodies
from tests.portal.factories import give_access, make_client
from tests.work.factories import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clients(in_firm_a, documents_storage):
    """Maple (its owner has portal access, a manager looks after it) and Oak (whose
    member must never hear about Maple)."""
    maple = make_client(business_name="Maple Bakery LLC", contact_email="",
                        assigned_staff_id=in_firm_a.users[Role.MANAGER].pk)
    oak = make_client(business_name="Oak Dental PC", contact_email="")
    give_access(in_firm_a.users[Role.CLIENT_OWNER], maple)
    give_access(in_firm_a.users[Role.CLIENT_MEMBER], oak)
    return maple, oak


def _told(kind: str) -> dict[int, list[str]]:
    told: dict[int, list[str]] = {}
    for user_id, title in Notification.objects.filter(kind=kind).values_list("user_id",
                                                                              "title"):
        told.setdefault(user_id, []).append(title)
    return told


def test_an_invoice_sent_then_paid_tells_the_clients_users_and_its_staff_only(
        in_firm_a, two_clients, smtp, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    owner, manager = in_firm_a.users[Role.CLIENT_OWNER], in_firm_a.users[Role.MANAGER]
    with django_capture_on_commit_callbacks(execute=True):
        invoice = draft_invoice(maple)
    assert not Notification.objects.exists()  # a draft tells nobody

    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_send(invoice=invoice)
    assert _told(Notification.Kind.INVOICE_SENT) == {
        owner.pk: [f"Invoice {invoice.number} from Alpha CPA"]}
    [email] = smtp.wait_for(1)
    assert email["To"] == owner.email and email["Subject"] == "New invoice at Alpha CPA"
    text, html = bodies(email)
    assert invoice.number not in text + html and str(invoice.total) not in text + html

    preference_set(user_id=owner.pk, in_app=True, email=False, daily_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(invoice=invoice, amount=invoice.total, method="ach",
                       received_on=timezone.localdate())
    assert _told(Notification.Kind.INVOICE_PAID) == {
        owner.pk: [f"Invoice {invoice.number} is paid in full, thank you"],
        manager.pk: [f"Maple Bakery LLC paid invoice {invoice.number}"]}
    emails = smtp.wait_for(2)
    assert [e["To"] for e in emails[1:]] == [manager.email]  # the owner asked for no email


def test_a_partial_payment_tells_nobody_it_is_paid(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    invoice = invoice_send(invoice=draft_invoice(maple))
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(invoice=invoice, amount="10.00", method="ach",
                       received_on=timezone.localdate())
    assert not Notification.objects.filter(kind=Notification.Kind.INVOICE_PAID).exists()


def test_a_client_upload_tells_its_staff_and_processing_tells_the_uploader(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    owner, manager = in_firm_a.users[Role.CLIENT_OWNER], in_firm_a.users[Role.MANAGER]
    # The upload commits, the pipeline reads the file (inline here), each step is told.
    with django_capture_on_commit_callbacks(execute=True):
        documents_upload(client=maple, files=[upload("march.pdf", pdf_bytes(INVOICE_LINES))],
                         category="other", uploaded_by_id=owner.pk)
    assert _told(Notification.Kind.DOCUMENT) == {
        manager.pk: ["Maple Bakery LLC uploaded a document"]}
    assert _told(Notification.Kind.DOCUMENT_PROCESSED) == {
        owner.pk: ["“march.pdf” is read and filed"]}
    url = Notification.objects.get(kind=Notification.Kind.DOCUMENT_PROCESSED).url
    assert url == f"/portal/{maple.pk}/documents/"


def test_an_upload_for_an_unassigned_client_tells_the_firms_administrators_only(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    # Oak has nobody assigned: its upload reaches the owner and administrator, not every
    # staff member who can see documents (one email each, per upload).
    _, oak = two_clients
    member = in_firm_a.users[Role.CLIENT_MEMBER]
    with django_capture_on_commit_callbacks(execute=True):
        documents_upload(client=oak, files=[upload("april.pdf", pdf_bytes(INVOICE_LINES))],
                         category="other", uploaded_by_id=member.pk)
    assert set(_told(Notification.Kind.DOCUMENT)) == {in_firm_a.users[Role.OWNER].pk,
                                                      in_firm_a.users[Role.ADMIN].pk}


def test_a_staff_upload_tells_the_clients_portal_users_only(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    partner = in_firm_a.users[Role.PARTNER]
    with django_capture_on_commit_callbacks(execute=True):
        documents_upload(client=maple, files=[
            upload("a.pdf", pdf_bytes(["one"])), upload("b.pdf", pdf_bytes(["two"]))],
            category="other", uploaded_by_id=partner.pk)
    assert _told(Notification.Kind.DOCUMENT) == {
        in_firm_a.users[Role.CLIENT_OWNER].pk: ["Alpha CPA added 2 documents to your portal"]}
    with django_capture_on_commit_callbacks(execute=True):  # an import: nobody uploaded it
        documents_upload(client=maple, files=[upload("c.pdf", pdf_bytes(["three"]))],
                         category="other", uploaded_by_id=None)
    assert Notification.objects.filter(kind=Notification.Kind.DOCUMENT).count() == 1


def test_a_message_attachment_is_told_by_the_message_alone(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    with django_capture_on_commit_callbacks(execute=True):
        thread_start(client=maple, subject="Receipts", body="Here.", from_firm=False,
                     author=in_firm_a.users[Role.CLIENT_OWNER],
                     files=[upload("march.pdf", pdf_bytes(INVOICE_LINES))])
    assert set(Notification.objects.values_list("kind", flat=True)) == {"message"}


def test_requests_due_soon_are_told_once_per_request_and_date(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    owner = in_firm_a.users[Role.CLIENT_OWNER]
    today = timezone.localdate()
    soon = document_request_create(client=maple, title="Year-end papers", created_by_id=None,
                                   lines=[RequestLine("Bank statements", today + timedelta(2)),
                                          RequestLine("Payroll report", today + timedelta(2))])
    document_request_create(client=maple, title="Later", created_by_id=None,
                            lines=[RequestLine("Lease", today + timedelta(20))])

    with django_capture_on_commit_callbacks(execute=True):
        assert requests_due_soon_task.delay().get() == 1
        assert requests_due_soon_notify() == 0  # the rerun tells nobody again
    due = today + timedelta(2)
    assert _told(Notification.Kind.REQUEST_DUE) == {
        owner.pk: [f"Due {due:%b} {due.day}: Year-end papers"]}
    assert Notification.objects.get(kind="request_due").url == \
        f"/portal/{maple.pk}/documents/requests/"

    # A later due date of the same request is a new reminder, once.
    soon.items.update(due_date=today + timedelta(1))
    assert requests_due_soon_notify() == 1
    assert requests_due_soon_notify(today=today + timedelta(days=30)) == 0
    assert BEAT_SCHEDULE["people-requests-due-soon"]["args"] == ["people.requests_due_soon"]


def test_the_job_lead_hears_unless_they_chose_themselves(
        in_firm_a, two_clients, celery_eager, django_capture_on_commit_callbacks):
    maple, _ = two_clients
    partner, manager = in_firm_a.users[Role.PARTNER], in_firm_a.users[Role.MANAGER]
    senior = in_firm_a.users[Role.SENIOR_ACCOUNTANT]
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(client=maple, due=date(2026, 12, 15), assignee_id=manager.pk,
                       created_by_id=partner.pk, name="Maple bookkeeping")
        make_job(client=maple, assignee_id=partner.pk, created_by_id=partner.pk)
    assert _told(Notification.Kind.JOB_ASSIGNED) == {
        manager.pk: ["You lead “Maple bookkeeping”, due Dec 15"]}

    with django_capture_on_commit_callbacks(execute=True):
        job_update(job=job, assignee_id=senior.pk, actor=partner)
        job_update(job=job, priority=job.priority, actor=partner)  # no new lead: nobody
        job_update(job=job, assignee_id=senior.pk, actor=partner)  # the same lead: nobody
    assert {uid: len(titles) for uid, titles in _told("job_assigned").items()} == {
        manager.pk: 1, senior.pk: 1}
    assert Notification.objects.get(user_id=senior.pk).url == f"/work/jobs/{job.pk}/"


def test_an_announcement_delivered_twice_is_told_once(in_firm_a, two_clients):
    maple, _ = two_clients
    invoice = draft_invoice(maple)
    # The task body itself, run twice as a redelivered message would run it.
    assert announce_task.run(event="invoice_sent", object_id=invoice.pk, key="k-2") == 1
    assert announce_task.run(event="invoice_sent", object_id=invoice.pk, key="k-2") == 0
    assert Notification.objects.filter(kind="invoice_sent").count() == 1


def test_a_rolled_back_change_tells_nobody(in_firm_a, two_clients, celery_eager,
                                           django_capture_on_commit_callbacks):
    maple, _ = two_clients
    invoice = draft_invoice(maple)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice_send(invoice=invoice)
    assert callbacks  # the announcement waits for the commit
    assert not Notification.objects.exists()


def test_announcing_a_client_upload_costs_a_fixed_number_of_statements_and_tells_once(
        in_firm_a, two_clients, django_assert_num_queries):
    from apps.people.events import announcement_deliver

    maple, _ = two_clients
    owner, manager = in_firm_a.users[Role.CLIENT_OWNER], in_firm_a.users[Role.MANAGER]
    batch = documents_upload(client=maple, files=[upload("march.pdf", pdf_bytes(INVOICE_LINES))],
                             category="other", uploaded_by_id=owner.pk).batch

    # Savepoint pair of the delivery (2); the batch with its client and how many of its
    # documents no message or signed proposal tells of (one statement); the uploader's and
    # the client's staff memberships (one query); the key (INSERT .. ON CONFLICT); the
    # recipients with their preferences (one query); the notification and the email rows.
    with django_assert_num_queries(8):
        told = announcement_deliver(event="documents_uploaded", object_id=batch.pk,
                                    key=f"documents_uploaded:{batch.pk}:test")
    again = announcement_deliver(event="documents_uploaded", object_id=batch.pk,
                                 key=f"documents_uploaded:{batch.pk}:test")

    assert (told, again) == (1, 0)
    assert _told(Notification.Kind.DOCUMENT) == {
        manager.pk: ["Maple Bakery LLC uploaded a document"]}


def test_processing_tells_a_staff_uploader_by_the_staff_link_and_nobody_who_lost_access(
        in_firm_a, two_clients, django_capture_on_commit_callbacks, django_assert_num_queries):
    from django.urls import reverse

    from apps.people.events import announcement_deliver
    from apps.portal.models import ClientAccess

    maple, _ = two_clients
    partner, owner = in_firm_a.users[Role.PARTNER], in_firm_a.users[Role.CLIENT_OWNER]
    by_staff = documents_upload(client=maple, files=[upload("staff.pdf", pdf_bytes(["x"]))],
                                category="other", uploaded_by_id=partner.pk).created[0]
    by_client = documents_upload(client=maple, files=[upload("mine.pdf", pdf_bytes(["y"]))],
                                 category="other", uploaded_by_id=owner.pk).created[0]
    ClientAccess.objects.filter(user=owner, client=maple).delete()

    # The savepoint pair, the document with its three conditions, the key, then the
    # recipient with preferences, the notification and the email rows.
    with django_assert_num_queries(7):
        told_staff = announcement_deliver(event="document_processed", object_id=by_staff.pk,
                                          key=f"document_processed:{by_staff.pk}:test")
    told_client = announcement_deliver(event="document_processed", object_id=by_client.pk,
                                       key=f"document_processed:{by_client.pk}:test")

    assert (told_staff, told_client) == (1, 0)
    processed = Notification.objects.get(kind=Notification.Kind.DOCUMENT_PROCESSED)
    assert (processed.user_id, processed.title) == (partner.pk, "“staff.pdf” is read and filed")
    assert processed.url == reverse("documents:detail", args=[by_staff.pk])
