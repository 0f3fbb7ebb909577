"""Query-string filters of the firm API. Unknown choices, malformed numbers and dates,
negative amounts and NUL bytes fail validation: DRF answers 400 naming the field."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet

from apps.portal.models import Client, Engagement, Task
from apps.portal.selectors import client_search


def _id_filter(field_name: str) -> filters.NumberFilter:
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=2**63 - 1,
                                decimal_places=0)


class ClientFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", max_length=200,
                           help_text="Part of the business name, contact name or email.")
    status = filters.ChoiceFilter(choices=Client.Status.choices)
    industry = filters.ChoiceFilter(choices=Client.Industry.choices)
    assigned_staff = _id_filter("assigned_staff_id")
    min_revenue = filters.NumberFilter(field_name="annual_revenue", lookup_expr="gte",
                                       min_value=0, max_digits=14, decimal_places=2)

    class Meta:
        model = Client
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return client_search(queryset, value)


class EngagementFilter(filters.FilterSet):
    client = _id_filter("client_id")
    type = filters.ChoiceFilter(choices=Engagement.Type.choices)
    status = filters.ChoiceFilter(choices=Engagement.Status.choices)
    responsible = _id_filter("responsible_id")
    started_after = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    started_before = filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Engagement
        fields: list[str] = []


class TaskFilter(filters.FilterSet):
    client = _id_filter("client_id")
    engagement = _id_filter("engagement_id")
    status = filters.ChoiceFilter(choices=Task.Status.choices)
    priority = filters.TypedChoiceFilter(choices=Task.Priority.choices, coerce=int)
    assignee = _id_filter("assignee_id")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Task
        fields: list[str] = []
