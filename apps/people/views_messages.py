"""Messaging pages: the staff inbox and threads, the client's threads in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from advisoros.forms import apply_service_errors, form_written
from apps.accounts.models import User
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.people import selectors
from apps.people.forms_messages import AssignForm, NewThreadForm, ReplyForm
from apps.people.messaging import (
    message_post,
    messaging_staff_ids,
    thread_assign,
    thread_mark_read,
    thread_start,
)
from apps.people.views_team import error_text
from apps.portal.models import Client
from apps.portal.preview import is_previewing
from apps.portal.views_portal import portal_page

PAGE_SIZE = 30


def form_data(request: HttpRequest) -> tuple:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _staff_choices(firm_id: int) -> list[tuple[int, str]]:
    users = User.objects.filter(pk__in=messaging_staff_ids(firm_id)).order_by("full_name")
    return [(u.pk, u.get_full_name()) for u in users]


@firm_permission_required(Perm.MESSAGES_USE)
def inbox(request: HttpRequest) -> HttpResponse:
    box = request.GET.get("box", "all")
    box = box if box in selectors.INBOX_BOXES else "all"
    client_id = request.GET.get("client") or None
    client_id = int(client_id) if client_id and client_id.isdigit() else None
    text = request.GET.get("q", "")
    threads = selectors.inbox_threads(user_id=request.user.pk, box=box, client_id=client_id,
                                      text=text)
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    clients = Client.objects.alive().filter(pk=client_id) if client_id else []
    return render(request, "people/inbox.html", {
        "page": page, "box": box, "boxes": selectors.INBOX_BOXES, "q": text,
        "client_filter": clients[0] if clients else None, "section": "inbox"})


def client_or_404(client_id: int) -> Client:
    client = Client.objects.alive().filter(pk=client_id).first()
    if client is None:
        raise Http404("No such client.")
    return client


@firm_permission_required(Perm.MESSAGES_USE)
def thread_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_or_404(client_id)
    form = NewThreadForm(*form_data(request))
    if request.method == "POST" and (written := form_written(form, lambda data: thread_start(
            client=client, subject=data["subject"], body=data["body"], author=request.user,
            from_firm=True, files=data["files"]))):
        return redirect("people:thread", thread_id=written.result.pk)
    return render(request, "people/thread_new.html", {"form": form, "client": client,
                                                      "section": "inbox"},
                  status=400 if request.method == "POST" else 200)


@firm_permission_required(Perm.MESSAGES_USE)
def thread_page(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = selectors.thread_get(thread_id=thread_id)
    form = ReplyForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            message_post(thread=thread, author=request.user, from_firm=True,
                         body=form.cleaned_data["body"], files=form.cleaned_data["files"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("people:thread", thread_id=thread.pk)
    else:
        thread_mark_read(thread=thread, user=request.user)
    return render(request, "people/thread.html", {
        "thread": thread, "items": selectors.thread_messages(thread), "form": form,
        "assign_form": AssignForm(initial={"assignee": thread.assigned_to_id},
                                  staff_choices=_staff_choices(request.firm.pk)),
        "section": "inbox", "staff": True,
    }, status=400 if request.method == "POST" else 200)


@require_POST
@firm_permission_required(Perm.MESSAGES_USE)
def thread_assign_view(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = selectors.thread_get(thread_id=thread_id)
    form = AssignForm(request.POST, staff_choices=_staff_choices(request.firm.pk))
    if not form.is_valid():
        messages.error(request, "Choose someone who answers client messages.")
    else:
        try:
            thread_assign(thread=thread, assignee_id=form.cleaned_data["assignee"],
                          by=request.user, request=request)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Assignment saved.")
    return redirect("people:thread", thread_id=thread.pk)


# --- Portal ---------------------------------------------------------------------------

# The portal's own access decorator: the client from the user's access rows (404 for any
# client they were not given), or the previewed client while staff preview the portal
# (apps/portal/preview.py), as on every other portal page.
portal_client = portal_page


@portal_client
def portal_threads(request: HttpRequest, client: Client) -> HttpResponse:
    form = NewThreadForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            thread = thread_start(client=client, subject=form.cleaned_data["subject"],
                                  body=form.cleaned_data["body"], author=request.user,
                                  from_firm=False, files=form.cleaned_data["files"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Your message was sent.")
            return redirect("portal_people:thread", client_id=client.pk, thread_id=thread.pk)
    threads = selectors.portal_threads(user_id=request.user.pk, client_id=client.pk)
    return render(request, "people/portal_threads.html", {
        "client": client, "threads": threads, "form": form, "portal_section": "messages",
    }, status=400 if request.method == "POST" else 200)


@portal_client
def portal_thread(request: HttpRequest, client: Client, thread_id: int) -> HttpResponse:
    thread = selectors.thread_get(thread_id=thread_id, client_id=client.pk)
    form = ReplyForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            message_post(thread=thread, author=request.user, from_firm=False,
                         body=form.cleaned_data["body"], files=form.cleaned_data["files"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("portal_people:thread", client_id=client.pk, thread_id=thread.pk)
    elif not is_previewing(request):  # a preview reads, it does not mark anything read
        thread_mark_read(thread=thread, user=request.user)
    return render(request, "people/portal_thread.html", {
        "client": client, "thread": thread, "items": selectors.thread_messages(thread),
        "form": form, "portal_section": "messages",
    }, status=400 if request.method == "POST" else 200)
