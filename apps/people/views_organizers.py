"""Organizer pages: staff send and read them; clients answer, save and continue later."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.people.models_organizers import Organizer, OrganizerTemplate
from apps.people.organizers import (
    answers_of,
    completion,
    organizer_save,
    organizer_send,
    organizer_submit,
    visible_keys,
)
from apps.people.views_messages import client_or_404, portal_client
from apps.people.views_team import error_text
from apps.portal.models import Client


def _organizer(organizer_id: int, client_id: int | None = None) -> Organizer:
    organizers = Organizer.objects.select_related("client")
    if client_id is not None:
        organizers = organizers.filter(client_id=client_id)
    organizer = organizers.filter(pk=organizer_id).first()
    if organizer is None:
        raise Http404("No such organizer.")
    return organizer


def _sections(organizer: Organizer, values: dict[str, str], errors: dict[str, list]):
    """The page's view of the questions: value, whether asked now, and any error."""
    shown = visible_keys(organizer.definition, values)
    return [{"title": section["title"], "questions": [
        {**q, "value": values.get(q["key"], ""), "visible": q["key"] in shown,
         "error": " ".join(errors.get(q["key"], []))} for q in section["questions"]]}
        for section in organizer.definition]


@firm_permission_required(Perm.ORGANIZERS_MANAGE)
def organizer_list(request: HttpRequest) -> HttpResponse:
    organizers = list(Organizer.objects.select_related("client").prefetch_related("answers")[:200])
    rows = [(o, *completion(o)) for o in organizers]
    return render(request, "people/organizers.html", {"rows": rows, "section": "organizers"})


@firm_permission_required(Perm.ORGANIZERS_MANAGE)
def organizer_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_or_404(client_id)
    templates = list(OrganizerTemplate.objects.all())
    if request.method == "POST":
        template = next((t for t in templates if str(t.pk) == request.POST.get("template")),
                        None)
        if template is not None:
            organizer = organizer_send(client=client, template=template, by=request.user)
            messages.success(request, f"Sent “{template.name}” to {client.business_name}.")
            return redirect("people:organizer", organizer_id=organizer.pk)
        messages.error(request, "Choose an organizer to send.")
    return render(request, "people/organizer_new.html", {
        "client": client, "templates": templates, "section": "organizers"},
        status=400 if request.method == "POST" else 200)


@firm_permission_required(Perm.ORGANIZERS_MANAGE)
def organizer_detail(request: HttpRequest, organizer_id: int) -> HttpResponse:
    organizer = _organizer(organizer_id)
    answers = answers_of(organizer)
    done, asked = completion(organizer, answers)
    return render(request, "people/organizer_detail.html", {
        "organizer": organizer, "answers": answers, "done": done, "asked": asked,
        "sections": _sections(organizer, {k: a.value for k, a in answers.items()}, {}),
        "section": "organizers"})


@portal_client
def portal_organizers(request: HttpRequest, client: Client) -> HttpResponse:
    organizers = list(Organizer.objects.filter(client=client).prefetch_related("answers"))
    return render(request, "people/portal_organizers.html", {
        "client": client, "rows": [(o, *completion(o)) for o in organizers],
        "portal_section": "organizers"})


@portal_client
def portal_organizer(request: HttpRequest, client: Client, organizer_id: int) -> HttpResponse:
    organizer = _organizer(organizer_id, client_id=client.pk)
    errors: dict[str, list] = {}
    values = {k: a.value for k, a in answers_of(organizer).items()}
    if request.method == "POST" and organizer.status != Organizer.Status.SUBMITTED:
        posted = {k[2:]: v for k, v in request.POST.items() if k.startswith("q-")}
        files = {k[2:]: f for k, f in request.FILES.items() if k.startswith("q-")}
        try:
            organizer_save(organizer=organizer, user=request.user, values=posted, files=files)
            if "submit" in request.POST:
                organizer_submit(organizer=organizer, user=request.user)
                messages.success(request, f"Thank you: {request.firm.name} has your answers.")
            else:
                messages.success(request, "Saved. You can continue any time, on any device.")
        except ValidationError as exc:
            if "organizer" in exc.message_dict:
                messages.error(request, error_text(exc))
            errors = exc.message_dict
            values.update(posted)
        else:
            return redirect("portal_people:organizer", client_id=client.pk,
                            organizer_id=organizer.pk)
    done, asked = completion(organizer)
    return render(request, "people/portal_organizer.html", {
        "client": client, "organizer": organizer, "done": done, "asked": asked,
        "sections": _sections(organizer, values, errors), "portal_section": "organizers",
        "locked": organizer.status == Organizer.Status.SUBMITTED},
        status=400 if errors else 200)
