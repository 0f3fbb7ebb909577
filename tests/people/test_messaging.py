"""Secure messaging: threads, attachments as documents, unread counts, batched notices,
the inbox, search, and who can see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.documents.models import Document
from apps.people.messaging import message_post, thread_start
from apps.people.models import Message, Notification, Thread
from tests.documents.samples import INVOICE_LINES, pdf_bytes, upload
from tests.people.smtp import bodies
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db
SECRET = "my SSN is 123-45-6789"


@pytest.fixture
def bakery(firm_a, documents_storage):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Maple Bakery LLC",
                             assigned_staff_id=firm_a.users[Role.MANAGER].pk)
        give_access(firm_a.user(Role.CLIENT_OWNER), client)
    return client


def test_a_client_writes_with_an_attachment_that_becomes_their_document(
        firm_a, bakery, smtp, celery_eager, django_capture_on_commit_callbacks):
    portal = firm_a.client(Role.CLIENT_OWNER)

    with django_capture_on_commit_callbacks(execute=True):
        response = portal.post(f"/portal/{bakery.pk}/messages/", {
            "subject": "Receipts for March", "body": f"Here they are. {SECRET}",
            "files": [upload("march.pdf", pdf_bytes(INVOICE_LINES))]})

    assert response.status_code == 302, response.content.decode()[:600]
    with schema_context(firm_a.firm.schema_name):
        thread = Thread.objects.get(client=bakery)
        message = thread.messages.get()
        [document] = message.documents.all()
        assert document.client_id == bakery.pk and document.file_name == "march.pdf"
        assert document.uploaded_by_id == firm_a.users[Role.CLIENT_OWNER].pk
        assert document.status != Document.Status.UPLOADED  # queued for the pipeline
        # The client's assigned manager hears about it; the notice carries no text.
        [notice] = Notification.objects.filter(kind=Notification.Kind.MESSAGE)
        assert notice.user_id == firm_a.users[Role.MANAGER].pk
        assert notice.title == "New message from Maple Bakery LLC"
    [email] = smtp.wait_for(1)
    text, html = bodies(email)
    assert email["To"] == firm_a.users[Role.MANAGER].email
    for body in (text, html, email["Subject"]):
        assert "123-45-6789" not in body and "Receipts" not in body
    assert f"/people/threads/{thread.pk}/" in text


def test_a_quick_reply_sends_no_second_email_but_a_later_one_does(
        in_firm_a, bakery, smtp, celery_eager, django_capture_on_commit_callbacks):
    staff = in_firm_a.user(Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        thread = thread_start(client=bakery, subject="Year end", body="Please send the W-2s.",
                              author=staff, from_firm=True)
    with django_capture_on_commit_callbacks(execute=True):
        message_post(thread=thread, author=staff, from_firm=True, body="And the 1099s.")
    assert len(smtp.wait_for(1)) == 1
    assert Notification.objects.filter(user_id=in_firm_a.users[Role.CLIENT_OWNER].pk).count() == 2

    Thread.objects.filter(pk=thread.pk).update(
        client_emailed_at=thread.messages.first().created_at - timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        message_post(thread=thread, author=staff, from_firm=True, body="Reminder.")

    assert len(smtp.wait_for(2)) == 2
    assert all("W-2" not in bodies(m)[0] for m in smtp.messages)


def test_unread_counts_follow_each_persons_reading(firm_a, bakery):
    connection.set_tenant(firm_a.firm)
    thread = thread_start(client=bakery, subject="Question", body="Are you there?",
                          author=firm_a.user(Role.CLIENT_OWNER), from_firm=False)
    message_post(thread=thread, author=firm_a.user(Role.MANAGER), from_firm=True, body="Yes.")
    message_post(thread=thread, author=firm_a.user(Role.MANAGER), from_firm=True, body="Hi.")
    connection.set_schema_to_public()
    portal = firm_a.client(Role.CLIENT_OWNER)

    listing = portal.get(f"/portal/{bakery.pk}/messages/").content.decode()
    assert '<span class="count">2</span>' in listing
    assert portal.get(f"/portal/{bakery.pk}/messages/{thread.pk}/").status_code == 200
    listing = portal.get(f"/portal/{bakery.pk}/messages/").content.decode()
    assert '<span class="count">' not in listing
    # The manager wrote last, so for them nothing is unread; the partner has the client's.
    inbox = firm_a.client(Role.PARTNER).get("/people/inbox/").content.decode()
    assert "Question" in inbox and '<span class="count">1</span>' in inbox


def test_staff_reply_assign_and_the_inbox_boxes(firm_a, bakery):
    connection.set_tenant(firm_a.firm)
    thread = thread_start(client=bakery, subject="Payroll change", body="New hire in May",
                          author=firm_a.user(Role.CLIENT_OWNER), from_firm=False)
    connection.set_schema_to_public()
    manager = firm_a.client(Role.MANAGER)
    assert "Payroll change" in manager.get("/people/inbox/?box=unassigned").content.decode()
    assert "Payroll change" not in manager.get("/people/inbox/?box=mine").content.decode()

    manager.post(f"/people/threads/{thread.pk}/assign/",
                 {"assignee": firm_a.users[Role.MANAGER].pk})
    response = manager.post(f"/people/threads/{thread.pk}/", {"body": "Noted, thanks."})

    assert response.status_code == 302
    assert "Payroll change" in manager.get("/people/inbox/?box=mine").content.decode()
    assert "Payroll change" not in manager.get("/people/inbox/?box=unassigned").content.decode()
    by_client = manager.get(f"/people/inbox/?client={bakery.pk}").content.decode()
    assert "Payroll change" in by_client
    with schema_context(firm_a.firm.schema_name):
        assert Message.objects.filter(thread=thread, from_firm=True).get().body == "Noted, thanks."
    page = firm_a.client(Role.CLIENT_OWNER).get(f"/portal/{bakery.pk}/messages/{thread.pk}/")
    assert "Noted, thanks." in page.content.decode()


def test_staff_search_messages_by_their_words(firm_a, bakery):
    connection.set_tenant(firm_a.firm)
    thread_start(client=bakery, subject="Misc", body="The depreciation schedule for the oven",
                 author=firm_a.user(Role.CLIENT_OWNER), from_firm=False)
    thread_start(client=bakery, subject="Other", body="Lunch on Friday?",
                 author=firm_a.user(Role.CLIENT_OWNER), from_firm=False)
    connection.set_schema_to_public()
    manager = firm_a.client(Role.MANAGER)

    found = manager.get("/people/inbox/?q=depreciation").content.decode()
    assert "Misc" in found and "Other" not in found
    assert "No message matches" in manager.get("/people/inbox/?q=zebra").content.decode()
    assert manager.get("/people/inbox/?q=%00%27%22").status_code == 200


def test_a_refused_attachment_keeps_nothing_and_says_why(firm_a, bakery):
    portal = firm_a.client(Role.CLIENT_OWNER)

    response = portal.post(f"/portal/{bakery.pk}/messages/", {
        "subject": "Program", "body": "Run this",
        "files": [upload("tool.pdf", b"MZ\x90\x00 this is not a pdf at all" * 20)]})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    with schema_context(firm_a.firm.schema_name):
        assert not Thread.objects.exists() and not Message.objects.exists()
        assert not Document.objects.filter(client=bakery).exists()


def test_a_client_user_sees_only_threads_of_clients_they_were_given(firm_a, bakery):
    with schema_context(firm_a.firm.schema_name):
        other = make_client(business_name="Not Yours Inc")
        connection.set_tenant(firm_a.firm)
        theirs = thread_start(client=other, subject="Private", body="Confidential",
                              author=firm_a.user(Role.MANAGER), from_firm=True)
        connection.set_schema_to_public()
    portal = firm_a.client(Role.CLIENT_OWNER)

    assert portal.get(f"/portal/{other.pk}/messages/").status_code == 404
    assert portal.get(f"/portal/{bakery.pk}/messages/{theirs.pk}/").status_code == 404
    assert portal.post(f"/portal/{bakery.pk}/messages/{theirs.pk}/",
                       {"body": "sneaky"}).status_code == 404
    assert "Private" not in portal.get(f"/portal/{bakery.pk}/messages/").content.decode()
    assert portal.get("/people/inbox/").status_code == 403


def test_notifications_are_personal(firm_a, bakery):
    connection.set_tenant(firm_a.firm)
    thread_start(client=bakery, subject="Hello", body="Hi there",
                 author=firm_a.user(Role.CLIENT_OWNER), from_firm=False)
    notice = Notification.objects.get()
    connection.set_schema_to_public()

    other = firm_a.client(Role.PARTNER)
    assert other.post(f"/notifications/{notice.pk}/open/").status_code == 404
    owner_of_notice = firm_a.client(Role.MANAGER)
    assert "Hello" not in other.get("/notifications/").content.decode()
    assert "New message from Maple Bakery LLC" in owner_of_notice.get(
        "/notifications/").content.decode()
    response = owner_of_notice.post(f"/notifications/{notice.pk}/open/")
    assert response.status_code == 302 and response["Location"].startswith("/people/threads/")
