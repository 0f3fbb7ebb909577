"""Staff pages: firm dashboard, client list and detail, forms for clients, engagements
and tasks. Thin: forms check input, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from advisoros.forms import form_written
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.portal import selectors, services
from apps.portal.dashboard import client_dashboard_get
from apps.portal.firm_dashboard import firm_dashboard_get
from apps.portal.forms import (
    ClientForm,
    ClientListFilterForm,
    EngagementForm,
    TaskForm,
)
from apps.portal.identifiers import REVEALABLE
from apps.portal.models import Client, Engagement, Task


@firm_permission_required(Perm.STAFF_AREA)
def firm_dashboard_page(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/dashboard.html", {
        "dashboard": firm_dashboard_get(),
        "can_see_clients": request_has_permission(request, Perm.CLIENTS_VIEW),
    })


@firm_permission_required(Perm.CLIENTS_VIEW)
def client_list(request: HttpRequest) -> HttpResponse:
    staff = selectors.firm_staff_choices(request.firm.pk)
    form = ClientListFilterForm(request.GET or None, staff_choices=staff)
    if request.GET and not form.is_valid():
        # Bad filter values: say which, show no half-filtered list.
        return render(request, "staff/client_list.html", {"form": form, "page": None},
                      status=400)
    query = form.to_query() if request.GET else selectors.ClientListQuery()
    params = request.GET.copy()
    params.pop("cursor", None)
    params.pop("page", None)  # links from before page links were cursors: page one
    base = params.urlencode()

    def link(cursor: str | None) -> str:
        return "?" + "&".join(part for part in (base, cursor and urlencode(
            {"cursor": cursor})) if part)

    page = selectors.client_list_page(query)
    return render(request, "staff/client_list.html", {
        "form": form, "page": page, "query": query,
        "first_url": link(None) if page.first_link else None,
        "previous_url": link(page.previous_cursor) if page.previous_cursor else None,
        "next_url": link(page.next_cursor) if page.next_cursor else None,
        "last_url": link(page.last_cursor) if page.last_cursor else None,
        "can_edit": request_has_permission(request, Perm.CLIENTS_EDIT),
    })


@firm_permission_required(Perm.CLIENTS_VIEW)
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(client_id)
    return render(request, "staff/client_detail.html", {
        "client": client,
        "dashboard": client_dashboard_get(client.pk),
        "engagements": selectors.client_engagements(client.pk),
        "tasks": selectors.client_tasks(client.pk),
        "documents": selectors.client_documents(client.pk),
        "invoices": selectors.client_invoices(client.pk),
        "can_edit_client": request_has_permission(request, Perm.CLIENTS_EDIT),
        "can_edit_engagements": request_has_permission(request, Perm.ENGAGEMENTS_EDIT),
        "can_edit_tasks": request_has_permission(request, Perm.TASKS_EDIT),
        "can_reveal": request_has_permission(request, Perm.SENSITIVE_REVEAL),
        "identifiers": [(field, label, getattr(client, field))
                        for field, label in REVEALABLE.items()],
    })


def _form_page(request: HttpRequest, form, *, title: str, cancel_url: str,
               status: int = 200) -> HttpResponse:
    return render(request, "staff/form.html", {"form": form, "title": title,
                                               "cancel_url": cancel_url}, status=status)


def _save(request: HttpRequest, form, write, *, title: str, cancel_url: str,
          done_message: str, next_url) -> HttpResponse:
    """Shared POST handling: valid form -> service; service errors go back to fields."""
    if written := form_written(form, lambda _: write(**form.service_kwargs(), request=request)):
        messages.success(request, done_message)
        return redirect(next_url(written.result))
    return _form_page(request, form, title=title, cancel_url=cancel_url, status=400)


@firm_permission_required(Perm.CLIENTS_EDIT)
def client_create(request: HttpRequest) -> HttpResponse:
    staff = selectors.firm_staff_choices(request.firm.pk)
    cancel = reverse("staff:client_list")
    if request.method != "POST":
        return _form_page(request, ClientForm(staff_choices=staff), title="New client",
                          cancel_url=cancel)
    return _save(request, ClientForm(request.POST, staff_choices=staff),
                 services.client_create, title="New client", cancel_url=cancel,
                 done_message="Client created.",
                 next_url=lambda c: reverse("staff:client_detail", args=[c.pk]))


@firm_permission_required(Perm.CLIENTS_EDIT)
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(client_id)
    staff = selectors.firm_staff_choices(request.firm.pk)
    cancel = reverse("staff:client_detail", args=[client.pk])
    title = f"Edit {client.business_name}"
    if request.method != "POST":
        return _form_page(request, ClientForm(instance=client, staff_choices=staff),
                          title=title, cancel_url=cancel)
    # The form validates a copy, so a rejected edit never touches the loaded client.
    form = ClientForm(request.POST, instance=Client.objects.get(pk=client.pk),
                      staff_choices=staff)
    return _save(request, form, lambda **kw: services.client_update(client=client, **kw),
                 title=title, cancel_url=cancel, done_message="Client saved.",
                 next_url=lambda c: cancel)


@firm_permission_required(Perm.ENGAGEMENTS_EDIT)
def engagement_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(client_id)
    staff = selectors.firm_staff_choices(request.firm.pk)
    cancel = reverse("staff:client_detail", args=[client.pk])
    title = f"New engagement for {client.business_name}"
    if request.method != "POST":
        return _form_page(request, EngagementForm(staff_choices=staff), title=title,
                          cancel_url=cancel)
    form = EngagementForm(request.POST, instance=Engagement(client=client),
                          staff_choices=staff)
    return _save(request, form, lambda **kw: services.engagement_create(client=client, **kw),
                 title=title, cancel_url=cancel, done_message="Engagement created.",
                 next_url=lambda e: cancel)


@firm_permission_required(Perm.ENGAGEMENTS_EDIT)
def engagement_edit(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = get_object_or_404(Engagement.objects.filter(client__deleted_at__isnull=True),
                                   pk=engagement_id)
    staff = selectors.firm_staff_choices(request.firm.pk)
    cancel = reverse("staff:client_detail", args=[engagement.client_id])
    title = f"Edit engagement: {engagement}"
    if request.method != "POST":
        return _form_page(request, EngagementForm(instance=engagement, staff_choices=staff),
                          title=title, cancel_url=cancel)
    form = EngagementForm(request.POST, instance=Engagement.objects.get(pk=engagement.pk),
                          staff_choices=staff)
    return _save(request, form,
                 lambda **kw: services.engagement_update(engagement=engagement, **kw),
                 title=title, cancel_url=cancel, done_message="Engagement saved.",
                 next_url=lambda e: cancel)


@firm_permission_required(Perm.TASKS_EDIT)
def task_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(client_id)
    staff = selectors.firm_staff_choices(request.firm.pk)
    cancel = reverse("staff:client_detail", args=[client.pk])
    title = f"New task for {client.business_name}"
    if request.method != "POST":
        return _form_page(request, TaskForm(staff_choices=staff, client=client), title=title,
                          cancel_url=cancel)
    form = TaskForm(request.POST, instance=Task(client=client), staff_choices=staff,
                    client=client)
    return _save(request, form, lambda **kw: services.task_create(client=client, **kw),
                 title=title, cancel_url=cancel, done_message="Task created.",
                 next_url=lambda t: cancel)


@firm_permission_required(Perm.TASKS_EDIT)
def task_edit(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("client")
                             .filter(client__deleted_at__isnull=True), pk=task_id)
    staff = selectors.firm_staff_choices(request.firm.pk)
    cancel = reverse("staff:client_detail", args=[task.client_id])
    title = f"Edit task: {task.title}"
    if request.method != "POST":
        return _form_page(request, TaskForm(instance=task, staff_choices=staff,
                                            client=task.client),
                          title=title, cancel_url=cancel)
    form = TaskForm(request.POST, instance=Task.objects.get(pk=task.pk), staff_choices=staff,
                    client=task.client)
    return _save(request, form, lambda **kw: services.task_update(task=task, **kw),
                 title=title, cancel_url=cancel, done_message="Task saved.",
                 next_url=lambda t: cancel)
