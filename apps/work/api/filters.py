"""Query-string filters of the work API: malformed ids, dates and choices are a 400 that
names the field."""

from __future__ import annotations

import django_filters as filters
from django.utils import timezone

from apps.work.models import Job, JobTask, TimeEntry


def _id(field_name: str) -> filters.NumberFilter:
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=2**63 - 1,
                                decimal_places=0)


_YES_NO = [("true", "Yes"), ("false", "No")]


def _flag(method: str) -> filters.ChoiceFilter:
    """A strict true/false: anything else (a typo, a NUL byte) is a 400, not ignored."""
    return filters.ChoiceFilter(choices=_YES_NO, method=method)


class JobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Job.Status.choices)
    template = _id("template_id")
    client = _id("client_id")
    stage = _id("stage_id")
    assignee = _id("assignee_id")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    overdue = _flag("_overdue")

    class Meta:
        model = Job
        fields: list[str] = []

    def _overdue(self, queryset, name, value: str):
        if value == "true":
            return queryset.filter(status=Job.Status.OPEN, due_date__lt=timezone.localdate())
        return queryset


class TaskFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=JobTask.Status.choices)
    job = _id("job_id")
    assignee = _id("assignee_id")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = JobTask
        fields: list[str] = []


class TimeEntryFilter(filters.FilterSet):
    user = _id("user_id")
    job = _id("job_id")
    client = _id("client_id")
    billable = _flag("_billable")
    unbilled = _flag("_unbilled")
    date_after = filters.DateFilter(field_name="work_date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="work_date", lookup_expr="lte")

    class Meta:
        model = TimeEntry
        fields: list[str] = []

    def _billable(self, queryset, name, value: str):
        return queryset.filter(billable=value == "true")

    def _unbilled(self, queryset, name, value: str):
        return queryset.filter(invoice__isnull=value == "true")
