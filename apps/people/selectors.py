"""Reads of the people pages: inbox, portal threads with unread counts, search."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from apps.people.models import Message, Notification, Thread, ThreadRead

INBOX_BOXES = {"all": "All", "mine": "Mine", "unassigned": "Unassigned"}


def _with_unread(threads: QuerySet[Thread], *, user_id: int, from_firm: bool
                 ) -> QuerySet[Thread]:
    """Count, per thread, the other side's messages newer than this person's read mark."""
    read_at = ThreadRead.objects.filter(thread_id=OuterRef("thread_id"), user_id=user_id
                                        ).values("read_at")[:1]
    unread = (Message.objects.filter(thread_id=OuterRef("pk"), from_firm=from_firm)
              .annotate(seen=Subquery(read_at))
              .filter(Q(seen__isnull=True) | Q(created_at__gt=F("seen")))
              .order_by().values("thread_id").annotate(n=Count("id")).values("n"))
    return threads.annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()),
                                            Value(0)))


def inbox_threads(*, user_id: int, box: str = "all", client_id: int | None = None,
                  text: str = "") -> QuerySet[Thread]:
    """The firm inbox for one staff member: unread counts are theirs."""
    threads = Thread.objects.select_related("client", "assigned_to")
    if box == "mine":
        threads = threads.filter(assigned_to_id=user_id)
    elif box == "unassigned":
        threads = threads.filter(assigned_to__isnull=True)
    if client_id:
        threads = threads.filter(client_id=client_id)
    text = (text or "").replace("\x00", "").strip()[:200]
    if text:
        query = SearchQuery(text, search_type="websearch", config="english")
        hits = Message.objects.filter(search_vector=query).values("thread_id")
        threads = threads.filter(Q(pk__in=hits) | Q(subject__icontains=text))
    return _with_unread(threads, user_id=user_id, from_firm=False)


def portal_threads(*, user_id: int, client_id: int) -> QuerySet[Thread]:
    """One client's threads, for a client user the caller already checked has access."""
    return _with_unread(Thread.objects.filter(client_id=client_id), user_id=user_id,
                        from_firm=True)


def thread_get(*, thread_id: int, client_id: int | None = None) -> Thread:
    threads = Thread.objects.select_related("client", "assigned_to")
    if client_id is not None:
        threads = threads.filter(client_id=client_id)
    thread = threads.filter(pk=thread_id).first()
    if thread is None:
        raise Http404("No such conversation.")
    return thread


def thread_messages(thread: Thread) -> QuerySet[Message]:
    return (thread.messages.select_related("author").prefetch_related("documents")
            .order_by("created_at", "id"))


def notifications_for(user_id: int, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user_id=user_id)[:limit])


def notifications_unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
