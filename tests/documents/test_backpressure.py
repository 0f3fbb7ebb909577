"""Backpressure instead of backlog (issue 13): over its threshold a firm's uploads still
succeed, the answer (API and page) says processing is delayed and by about how long, and
its new documents wait in the backlog lane, so another firm's document is not queued
behind the flood. Messages are published to the real (test) broker and read back."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from advisoros.celery import app
from apps.accounts.roles import Role
from apps.documents import queue
from apps.documents.backpressure import (
    BACKLOG_QUEUE,
    RATE_BUCKET_SECONDS,
    note_processed,
    processing_rate,
)
from apps.documents.models import Document
from apps.documents.services import documents_upload
from tests.documents.samples import upload
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db
NORMAL_QUEUE = "documents"
# kombu keeps each priority level of a queue in its own list: "<queue>\x06\x16<level>".
LEVELS = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def _keys(*queues: str) -> list[str]:
    return [name + level for name in queues for level in LEVELS]


@pytest.fixture
def broker():
    """The test broker's Redis client, with both lanes emptied before and after."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete(*_keys(NORMAL_QUEUE, BACKLOG_QUEUE))
        yield client
        client.delete(*_keys(NORMAL_QUEUE, BACKLOG_QUEUE))


def _lane(client, name: str) -> list[list[int]]:
    """The document ids of each message waiting in a lane, first to be taken first (kombu
    pushes on the left and takes from the right, the highest priority level first)."""
    taken = []
    for key in _keys(name):
        messages = [json.loads(raw) for raw in client.lrange(key, 0, -1)]
        taken += [json.loads(base64.b64decode(m["body"]))[0][0] for m in reversed(messages)]
    return taken


def _queued(client, count: int) -> list[Document]:
    return [Document.objects.create(
        client=client, file_name=f"old-{n}.csv", file=f"x/{n}.csv", size_bytes=10,
        content_type="csv", sha256=f"{n:064d}", status=Document.Status.QUEUED,
        queued_at=timezone.now()) for n in range(count)]


def _csv(name: str, n: int = 1):
    return upload(name, f"vendor,total\nOffice Supply Co,{n}.00\n".encode())


def test_under_the_threshold_the_answer_says_processing_is_normal(
        in_firm_a, client_a, broker, settings, django_capture_on_commit_callbacks):
    settings.DOCUMENTS_BACKLOG_THRESHOLD = 5
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)
    connection.set_schema_to_public()

    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post("/api/v1/documents/", {"client": client_a.pk,
                                                  "files": [_csv("a.csv")]})

    assert answer.status_code == 201
    assert answer.json()["processing"] == {
        "delayed": False, "waiting_documents": 1, "estimated_delay_seconds": 0,
        "message": "Processing normally."}
    created = answer.json()["created"][0]["id"]
    assert _lane(broker, NORMAL_QUEUE) == [[created]] and _lane(broker, BACKLOG_QUEUE) == []


def test_over_the_threshold_an_upload_succeeds_and_says_by_how_long_it_is_delayed(
        in_firm_a, client_a, broker, settings, django_capture_on_commit_callbacks):
    settings.DOCUMENTS_BACKLOG_THRESHOLD = 3
    settings.DOCUMENTS_LANE_THRESHOLD = 3
    _queued(client_a, 5)
    # Measured: 60 documents in the last full minute, 1 per second.
    now = timezone.now().timestamp()
    for back in range(1, 7):
        note_processed(10, now=now - back * RATE_BUCKET_SECONDS)
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)
    connection.set_schema_to_public()

    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post("/api/v1/documents/", {"client": client_a.pk,
                                                  "files": [_csv("a.csv"), _csv("b.csv", 2)]})

    assert answer.status_code == 201
    body = answer.json()
    assert len(body["created"]) == 2
    assert body["processing"] == {
        "delayed": True, "waiting_documents": 7, "estimated_delay_seconds": 7,
        "message": "Processing is delayed: 7 of your firm's documents are waiting, so "
                   "results should be ready in about a minute. Your files are safely "
                   "received."}
    # Accepted and stored, waiting in the firm's backlog lane.
    assert _lane(broker, BACKLOG_QUEUE) == [[d["id"] for d in body["created"]]]
    assert _lane(broker, NORMAL_QUEUE) == []


def test_the_portal_page_says_processing_is_delayed(in_firm_a, client_a, broker, settings,
                                                   django_capture_on_commit_callbacks):
    settings.DOCUMENTS_BACKLOG_THRESHOLD = 2
    settings.DOCUMENTS_NOMINAL_RATE_PER_SECOND = 1
    _queued(client_a, 300)
    http = in_firm_a.client(Role.CLIENT_OWNER)
    connection.set_schema_to_public()

    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post(reverse("portal_documents:upload", args=[client_a.pk]),
                           {"files": [_csv("receipt.csv")], "category": "receipt"},
                           follow=True)

    assert answer.status_code == 200
    assert ("Processing is delayed: 301 of your firm&#x27;s documents are waiting, so results "
            "should be ready in about 5 minutes.") in answer.content.decode()


def test_a_small_firms_document_is_not_queued_behind_another_firms_flood(
        firm_a, firm_b, broker, settings):
    """Firm A floods (its documents past the threshold go to the backlog lane); firm B's
    one document waits behind at most LANE_THRESHOLD of A's in the normal lane, and workers take
    the two lanes in turn, not behind the whole flood."""
    settings.DOCUMENTS_LANE_THRESHOLD = 16
    settings.DOCUMENTS_BACKLOG_THRESHOLD = 1000
    with schema_context(firm_a.firm.schema_name):
        big = make_client(business_name="Big Co")
        first = documents_upload(client=big, category="receipt", uploaded_by_id=None,
                                 files=[_csv(f"r{n}.csv", n) for n in range(16)])
        flood = first.created
        queue.enqueue_documents(flood, backlog=first.backlog.in_backlog_lane)
        more = documents_upload(client=big, category="receipt", uploaded_by_id=None,
                                files=[_csv(f"s{n}.csv", 100 + n) for n in range(40)])
        queue.enqueue_documents(more.created, backlog=more.backlog.in_backlog_lane)
    with schema_context(firm_b.firm.schema_name):
        small = make_client(business_name="Small Co")
        give_access(firm_b.user("client_owner"), small)
        mine = documents_upload(client=small, category="receipt", uploaded_by_id=None,
                                files=[_csv("mine.csv")])
        queue.enqueue_documents(mine.created, backlog=mine.backlog.in_backlog_lane)

    normal, backlog = _lane(broker, NORMAL_QUEUE), _lane(broker, BACKLOG_QUEUE)
    assert not first.backlog.in_backlog_lane and more.backlog.in_backlog_lane
    assert not mine.backlog.in_backlog_lane
    assert not more.backlog.delayed  # the lane is not the firm's business; the message is
    # The first 16 of the flood, then firm B's document; the other 40 wait apart.
    assert normal == [[d.pk for d in flood[:8]], [d.pk for d in flood[8:]],
                      [mine.created[0].pk]]
    assert [pk for message in backlog for pk in message] == [d.pk for d in more.created]
    # One worker process, a pop from each lane in turn: B's document is the 5th message
    # taken, whatever the size of A's backlog.
    taken, lanes = [], [list(normal), list(backlog)]
    while any(lanes):
        for lane in lanes:
            if lane:
                taken.append(lane.pop(0))
    assert taken.index([mine.created[0].pk]) == 4


def test_the_lane_changes_before_the_firm_is_told_of_a_delay(
        in_firm_a, client_a, broker, settings, django_capture_on_commit_callbacks):
    settings.DOCUMENTS_LANE_THRESHOLD = 3
    settings.DOCUMENTS_BACKLOG_THRESHOLD = 50
    _queued(client_a, 5)
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)
    connection.set_schema_to_public()

    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post("/api/v1/documents/", {"client": client_a.pk,
                                                  "files": [_csv("c.csv", 3)]})

    assert answer.status_code == 201
    assert answer.json()["processing"]["delayed"] is False
    assert _lane(broker, BACKLOG_QUEUE) == [[answer.json()["created"][0]["id"]]]
    assert _lane(broker, NORMAL_QUEUE) == []


def test_the_rate_is_measured_over_the_last_full_minute():
    now = 1_000_000.0
    note_processed(30, now=now - 15)
    note_processed(30, now=now - 55)
    note_processed(500, now=now)  # the bucket still filling is not counted
    note_processed(7, now=now - 200)  # long gone

    assert processing_rate(now=now) == 1.0


def test_a_portal_upload_keeps_no_task_results_and_reads_the_user_once(
        in_firm_a, client_a, broker, django_capture_on_commit_callbacks):
    """Issue 13: the processing and notification tasks keep no result, so sending them
    costs no SUBSCRIBE/UNSUBSCRIBE on the result backend (two round trips per task under
    production settings, seen in docs/profiles/mix_portal_upload_before.txt); and the
    uploader's audit events use the signed-in user, not a second read of it."""
    from django.test.utils import CaptureQueriesContext

    from apps.audit.models import AuditEvent
    from apps.documents.tasks import documents_process, documents_process_large
    from apps.people.tasks import announce_task

    http = in_firm_a.client(Role.CLIENT_OWNER)
    url = reverse("portal_documents:upload", args=[client_a.pk])
    connection.set_schema_to_public()
    with django_capture_on_commit_callbacks(execute=True):
        http.post(url, {"files": [_csv("warm.csv", 1)], "category": "receipt"})
    connection.set_schema_to_public()

    with django_capture_on_commit_callbacks(execute=True), \
            CaptureQueriesContext(connection) as queries:
        answer = http.post(url, {"files": [_csv("receipt.csv", 2)], "category": "receipt"})

    assert answer.status_code == 302
    assert documents_process.ignore_result and documents_process_large.ignore_result
    assert announce_task.ignore_result
    assert len(_lane(broker, NORMAL_QUEUE)) == 2  # both uploads' documents were sent
    assert not [q["sql"] for q in queries.captured_queries
                if 'FROM "accounts_user"' in q["sql"]]
    with schema_context(in_firm_a.firm.schema_name):
        audited = AuditEvent.objects.filter(target_type="documents.document").latest("id")
    assert audited.actor_email == in_firm_a.user(Role.CLIENT_OWNER).email
