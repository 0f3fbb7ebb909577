"""Writes on workflow templates: create and edit from a plain-text outline, copy.

The outline is what the template page edits (no JavaScript needed), one line each:

    Preparation | required | limit 25
    - Enter W-2 and 1099 income | role: Tax preparer | skill: tax | 2 h | -25 days

A stage line names the stage, then "required" or "optional" and an optional WIP limit.
A task line (starting with "-") gives the title, then any of role, skill, hours and the
due offset in days relative to the job's due date (negative: before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.roles import STAFF_ROLES, Role
from apps.work.models import (
    DueRule,
    Frequency,
    Job,
    JobTask,
    StartOnSigned,
    TemplateAutomation,
    TemplateStage,
    TemplateTask,
    WorkflowTemplate,
)

_ROLE_BY_NAME = {**{Role(r).label.lower(): r for r in STAFF_ROLES},
                 **{str(r): r for r in STAFF_ROLES}}
_HOURS = re.compile(r"^(\d+(?:\.\d+)?)\s*h(?:ours?)?$", re.I)
_DAYS = re.compile(r"^([+-]?\d+)\s*days?$", re.I)
_LIMIT = re.compile(r"^limit\s+(\d+)$", re.I)
MAX_STAGES, MAX_TASKS = 20, 60


@dataclass
class OutlineTask:
    title: str
    required_role: str = ""
    required_skill: str = ""
    estimated_hours: Decimal = Decimal("1")
    due_offset_days: int = 0


@dataclass
class OutlineStage:
    name: str
    required: bool = True
    wip_limit: int | None = None
    tasks: list[OutlineTask] = field(default_factory=list)


def _task_line(text: str, number: int, errors: list[str]) -> OutlineTask:
    title, *parts = [part.strip() for part in text.split("|")]
    task = OutlineTask(title=title[:200])
    if not title:
        errors.append(f"Line {number}: a task needs a title.")
    for part in parts:
        key, _, value = part.partition(":")
        if value and key.strip().lower() == "role":
            role = _ROLE_BY_NAME.get(value.strip().lower())
            if role is None:
                errors.append(f"Line {number}: “{value.strip()}” is not a staff role.")
            task.required_role = role or ""
        elif value and key.strip().lower() == "skill":
            task.required_skill = value.strip().lower()[:40]
        elif match := _HOURS.match(part):
            task.estimated_hours = Decimal(match.group(1)).quantize(Decimal("0.01"))
        elif match := _DAYS.match(part):
            task.due_offset_days = int(match.group(1))
        elif part:
            errors.append(f"Line {number}: “{part}” is not a role, skill, hours (2 h) or "
                          "days (-5 days).")
    return task


def outline_parse(text: str) -> list[OutlineStage]:
    errors: list[str] = []
    stages: list[OutlineStage] = []
    if "\x00" in (text or ""):
        raise ValidationError({"outline": ["Use plain text."]})
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            if not stages:
                errors.append(f"Line {number}: a task must come after its stage.")
                continue
            stages[-1].tasks.append(_task_line(line[1:].strip(), number, errors))
            continue
        name, *parts = [part.strip() for part in line.split("|")]
        stage = OutlineStage(name=name[:80])
        for part in parts:
            if part.lower() in ("required", "optional"):
                stage.required = part.lower() == "required"
            elif match := _LIMIT.match(part):
                stage.wip_limit = int(match.group(1))
            elif part:
                errors.append(f"Line {number}: “{part}” is not “required”, “optional” or "
                              "“limit N”.")
        if not name:
            errors.append(f"Line {number}: a stage needs a name.")
        stages.append(stage)
    if not stages:
        errors.append("List at least one stage.")
    if len(stages) > MAX_STAGES or sum(len(s.tasks) for s in stages) > MAX_TASKS:
        errors.append(f"At most {MAX_STAGES} stages and {MAX_TASKS} tasks.")
    if errors:
        raise ValidationError({"outline": errors})
    return stages


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f} h"


def outline_format(template: WorkflowTemplate) -> str:
    lines = []
    for stage in template.stages.prefetch_related("tasks").order_by("position"):
        parts = [stage.name, "required" if stage.required else "optional"]
        if stage.wip_limit is not None:
            parts.append(f"limit {stage.wip_limit}")
        lines.append(" | ".join(parts))
        for task in stage.tasks.all():
            parts = [task.title]
            if task.required_role:
                parts.append(f"role: {Role(task.required_role).label}")
            if task.required_skill:
                parts.append(f"skill: {task.required_skill}")
            parts += [_hours_text(task.estimated_hours), f"{task.due_offset_days} days"]
            lines.append("- " + " | ".join(parts))
    return "\n".join(lines)


def _settings_check(name: str, due_rule: str, default_frequency: str,
                    extension_months: int) -> dict:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or "\x00" in name or len(name) > 120:
        errors["name"] = ["Give the template a plain name under 120 characters."]
    if due_rule not in DueRule.values:
        errors["due_rule"] = ["Pick how the due date is set."]
    if default_frequency and default_frequency not in Frequency.values:
        errors["default_frequency"] = ["Pick monthly, quarterly or yearly."]
    if not 0 <= extension_months <= 12:
        errors["extension_months"] = ["Between 0 and 12 months."]
    return errors


@transaction.atomic
def template_save(*, template: WorkflowTemplate | None = None, name: str,
                  description: str = "", due_rule: str = DueRule.NONE,
                  default_frequency: str = "", extension_months: int = 0,
                  outline: str, start_for_new_clients: bool = False,
                  start_on_proposal_signed: str = "") -> WorkflowTemplate:
    """Create a template, or edit one: stages are matched by position (a renamed stage
    keeps its jobs); a stage that jobs still sit in cannot be removed."""
    errors = _settings_check(name, due_rule, default_frequency, extension_months)
    if (start_on_proposal_signed or "") not in StartOnSigned.values:
        errors["start_on_proposal_signed"] = ["Pick when a signed proposal starts a job."]
    try:
        stages = outline_parse(outline)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        stages = []
    if template is not None and stages:
        doomed = TemplateStage.objects.filter(template=template, position__gt=len(stages))
        busy = [stage.name for stage in doomed
                if Job.objects.filter(stage=stage).exists()
                or JobTask.objects.filter(stage=stage).exists()]
        if busy:
            errors.setdefault("outline", []).append(
                f"Jobs still use the stage{'s' if len(busy) > 1 else ''} "
                f"{', '.join(busy)}; move them before removing it.")
    if errors:
        raise ValidationError(errors)
    fields = {"name": name.strip(), "description": (description or "").strip()[:2000],
              "due_rule": due_rule, "default_frequency": default_frequency,
              "extension_months": extension_months,
              "start_for_new_clients": bool(start_for_new_clients),
              "start_on_proposal_signed": start_on_proposal_signed or ""}
    if template is None:
        template = WorkflowTemplate.objects.create(**fields)
    else:
        template = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
        for key, value in fields.items():
            setattr(template, key, value)
        template.save()
        TemplateStage.objects.filter(template=template, position__gt=len(stages)).delete()
    for position, spec in enumerate(stages, start=1):
        stage, _ = TemplateStage.objects.update_or_create(
            template=template, position=position,
            defaults={"name": spec.name, "required": spec.required,
                      "wip_limit": spec.wip_limit})
        stage.tasks.all().delete()
        TemplateTask.objects.bulk_create([
            TemplateTask(stage=stage, position=index, title=task.title,
                         required_role=task.required_role,
                         required_skill=task.required_skill,
                         estimated_hours=task.estimated_hours,
                         due_offset_days=task.due_offset_days)
            for index, task in enumerate(spec.tasks, start=1)])
    return template


@transaction.atomic
def template_copy(*, template: WorkflowTemplate, name: str = "") -> WorkflowTemplate:
    """A firm's own editable copy, with the same stages, checklists and automations."""
    copy = template_save(
        name=(name or f"{template.name} (copy)")[:120], description=template.description,
        due_rule=template.due_rule, default_frequency=template.default_frequency,
        extension_months=template.extension_months, outline=outline_format(template))
    stage_by_position = {s.position: s for s in copy.stages.all()}
    TemplateAutomation.objects.bulk_create([
        TemplateAutomation(template=copy, trigger=a.trigger, action=a.action, config=a.config,
                           stage=stage_by_position.get(a.stage.position) if a.stage else None)
        for a in template.automations.select_related("stage")])
    return copy


@transaction.atomic
def template_archive(*, template: WorkflowTemplate, archived: bool = True) -> WorkflowTemplate:
    template.archived = archived
    template.save(update_fields=["archived", "updated_at"])
    return template
