"""Template builders: staff create, copy, edit and preview organizer templates, and
create, copy and edit proposal templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from advisoros.forms import apply_service_errors
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.people.builders import (
    QuestionInput,
    definition_rows,
    organizer_definition_build,
    organizer_template_copy,
    organizer_template_save,
    proposal_template_copy,
    proposal_template_save,
)
from apps.people.forms_builders import (
    OrganizerTemplateForm,
    ProposalTemplateForm,
    QuestionFormSet,
)
from apps.people.forms_proposals import LineFormSet
from apps.people.models_organizers import OrganizerTemplate, QuestionKind
from apps.people.models_proposals import ProposalTemplate
from apps.people.organizers import questions
from apps.people.proposals import LineInput, template_lines
from apps.people.views_messages import form_data
from apps.people.views_organizers import _sections

EDIT_ORGANIZERS = Perm.ORGANIZER_TEMPLATES_EDIT
EDIT_PROPOSALS = Perm.PROPOSAL_TEMPLATES_EDIT


def _get(model, pk: int):
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such template.")
    return found


# --- organizer templates --------------------------------------------------------------------

@firm_permission_required(EDIT_ORGANIZERS)
def organizer_templates(request: HttpRequest) -> HttpResponse:
    templates = list(OrganizerTemplate.objects.all())
    rows = [(t, sum(1 for _ in questions(t.definition))) for t in templates]
    return render(request, "people/organizer_templates.html", {
        "rows": rows, "section": "organizers"})


def _conditions(template: OrganizerTemplate | None) -> list[tuple[str, str]]:
    """Questions a condition may name: the template's saved yes/no and choice questions
    (the service checks that the one named comes earlier)."""
    if template is None:
        return []
    return [(q["key"], q["label"][:80]) for q in questions(template.definition)
            if q["kind"] in (QuestionKind.YES_NO, QuestionKind.CHOICE)]


def _question_inputs(formset) -> tuple[list[QuestionInput], list]:
    """The rows to keep (not deleted, not blank), in the order asked for (the position
    field; rows without one keep their place after those with one), and their forms."""
    rows, forms = [], []
    numbered = list(enumerate(formset.forms))
    numbered.sort(key=lambda pair: (pair[1].cleaned_data.get("ORDER") is None,
                                    pair[1].cleaned_data.get("ORDER") or 0, pair[0]))
    for _, form in numbered:
        data = form.cleaned_data
        if not data or data.get("DELETE") or form.is_blank():
            continue
        rows.append(QuestionInput(**{k: data.get(k) or "" for k in (
            "key", "section", "label", "kind", "choices", "show_if", "equals",
            "document_label")}, required=bool(data.get("required"))))
        forms.append(form)
    return rows, forms


def _apply_question_errors(form, kept_forms: list, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        prefix, _, rest = field.partition("-")
        index, _, name = rest.partition("-")
        if prefix == "questions" and index.isdigit() and int(index) < len(kept_forms):
            kept_forms[int(index)].add_error(name, errors)
        else:
            form.add_error(field if field in form.fields else None, errors)


def _organizer_editor(request: HttpRequest, template: OrganizerTemplate | None
                      ) -> HttpResponse:
    data, _ = form_data(request)
    form = OrganizerTemplateForm(data, initial={
        "name": template.name, "description": template.description} if template else None)
    formset = QuestionFormSet(data, prefix="questions",
                              initial=definition_rows(template.definition) if template else None,
                              form_kwargs={"conditions": _conditions(template)})
    if request.method == "POST" and (form.is_valid() & formset.is_valid()):
        rows, kept = _question_inputs(formset)
        try:
            saved = organizer_template_save(template=template, rows=rows, **form.cleaned_data)
        except ValidationError as exc:
            _apply_question_errors(form, kept, exc)
        else:
            messages.success(request, f"Saved “{saved.name}”. Organizers sent before keep "
                                      "the questions they were sent with.")
            return redirect("people:organizer_template", template_id=saved.pk)
    elif request.method == "POST" and formset.is_valid():
        # The name is missing: still say everything wrong with the questions at once.
        rows, kept = _question_inputs(formset)
        try:
            organizer_definition_build(rows)
        except ValidationError as exc:
            _apply_question_errors(form, kept, exc)
    return render(request, "people/organizer_template_edit.html", {
        "template": template, "form": form, "formset": formset, "section": "organizers",
        "kinds": QuestionKind.choices},
        status=400 if request.method == "POST" else 200)


@firm_permission_required(EDIT_ORGANIZERS)
def organizer_template_new(request: HttpRequest) -> HttpResponse:
    return _organizer_editor(request, None)


@firm_permission_required(EDIT_ORGANIZERS)
def organizer_template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    return _organizer_editor(request, _get(OrganizerTemplate, template_id))


@require_POST
@firm_permission_required(EDIT_ORGANIZERS)
def organizer_template_copy_view(request: HttpRequest, template_id: int) -> HttpResponse:
    copy = organizer_template_copy(template=_get(OrganizerTemplate, template_id))
    messages.success(request, f"Made “{copy.name}”: change it as you like.")
    return redirect("people:organizer_template", template_id=copy.pk)


@firm_permission_required(EDIT_ORGANIZERS)
def organizer_template_preview(request: HttpRequest, template_id: int) -> HttpResponse:
    """What a client will see (conditions work; nothing can be sent from here)."""
    template = _get(OrganizerTemplate, template_id)
    return render(request, "people/organizer_template_preview.html", {
        "template": template, "sections": _sections(template, {}, {}),
        "section": "organizers"})


# --- proposal templates ---------------------------------------------------------------------

@firm_permission_required(EDIT_PROPOSALS)
def proposal_templates(request: HttpRequest) -> HttpResponse:
    return render(request, "people/proposal_templates.html", {
        "templates": ProposalTemplate.objects.all(), "section": "proposals"})


def _proposal_editor(request: HttpRequest, template: ProposalTemplate | None) -> HttpResponse:
    data, _ = form_data(request)
    form = ProposalTemplateForm(data, initial={
        "name": template.name, "introduction": template.introduction,
        "terms": template.terms} if template else None)
    lines = LineFormSet(data, prefix="lines", initial=[
        vars(line) for line in template_lines(template)] if template else None)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [LineInput(**{k: "" if row.get(k) is None else row[k] for k in (
            "service", "fee_type", "amount", "engagement_type", "frequency", "description")})
            for row in lines.cleaned_data if row and row.get("service")]
        try:
            saved = proposal_template_save(template=template, lines=rows, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Saved “{saved.name}”. Proposals made before keep "
                                      "their own services and terms.")
            return redirect("people:proposal_template", template_id=saved.pk)
    return render(request, "people/proposal_template_edit.html", {
        "template": template, "form": form, "lines": lines, "section": "proposals"},
        status=400 if request.method == "POST" else 200)


@firm_permission_required(EDIT_PROPOSALS)
def proposal_template_new(request: HttpRequest) -> HttpResponse:
    return _proposal_editor(request, None)


@firm_permission_required(EDIT_PROPOSALS)
def proposal_template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    return _proposal_editor(request, _get(ProposalTemplate, template_id))


@require_POST
@firm_permission_required(EDIT_PROPOSALS)
def proposal_template_copy_view(request: HttpRequest, template_id: int) -> HttpResponse:
    copy = proposal_template_copy(template=_get(ProposalTemplate, template_id))
    messages.success(request, f"Made “{copy.name}”: change it as you like.")
    return redirect("people:proposal_template", template_id=copy.pk)
