"""Factories for work tests: real rows in the current firm schema, through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.work.library import library_install
from apps.work.models import (
    StaffProfile,
    TemplateAutomation,
    TemplateStage,
    TemplateTask,
    WorkflowTemplate,
)
from apps.work.services import job_create
from tests.portal.factories import make_client, make_engagement


def library_template(key: str) -> WorkflowTemplate:
    library_install(WorkflowTemplate=WorkflowTemplate, TemplateStage=TemplateStage,
                    TemplateTask=TemplateTask, TemplateAutomation=TemplateAutomation)
    return WorkflowTemplate.objects.get(library_key=key)


def make_template(name: str = "Simple flow", *, stages=(("Start", True), ("Middle", True),
                                                        ("Finish", True)),
                  tasks_per_stage: int = 1, hours: str = "2") -> WorkflowTemplate:
    template = WorkflowTemplate.objects.create(name=name)
    for position, (stage_name, required) in enumerate(stages, start=1):
        stage = TemplateStage.objects.create(template=template, position=position,
                                             name=stage_name, required=required)
        if position < len(stages):
            for index in range(tasks_per_stage):
                TemplateTask.objects.create(stage=stage, position=index,
                                            title=f"{stage_name} task {index + 1}",
                                            estimated_hours=Decimal(hours),
                                            due_offset_days=-position)
    return template


def make_job(template: WorkflowTemplate | None = None, *, client=None, due=date(2026, 12, 15),
             engagement=None, **kwargs):
    template = template or make_template()
    client = client or make_client()
    return job_create(template=template, client=client, due_date=due, engagement=engagement,
                      **kwargs)


def make_profile(user, *, hours: str = "40", skills=()) -> StaffProfile:
    return StaffProfile.objects.update_or_create(
        user_id=user.pk, defaults={"weekly_capacity_hours": Decimal(hours),
                                   "skills": list(skills)})[0]


__all__ = ["library_template", "make_client", "make_engagement", "make_job", "make_profile",
           "make_template"]
