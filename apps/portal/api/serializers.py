"""Output shapes of the firm API. Lists serialise `.values()` rows (no model instances,
no per-row queries)."""

from __future__ import annotations

from rest_framework import serializers

from apps.portal.models import Client, Engagement, Task

CLIENT_FIELDS = ("id", "business_name", "status", "industry", "annual_revenue",
                 "contact_name", "contact_email", "contact_phone", "assigned_staff_id",
                 "created_at", "updated_at")
ENGAGEMENT_FIELDS = ("id", "client_id", "type", "status", "start_date", "end_date", "fee",
                     "responsible_id", "created_at", "updated_at")
TASK_FIELDS = ("id", "client_id", "engagement_id", "title", "status", "priority",
               "due_date", "assignee_id", "estimated_hours", "created_at", "updated_at")


class ClientOutput(serializers.Serializer):
    id = serializers.IntegerField()
    business_name = serializers.CharField()
    # Choice fields, so the schema lists each code with its label.
    status = serializers.ChoiceField(choices=Client.Status.choices)
    industry = serializers.ChoiceField(choices=Client.Industry.choices)
    annual_revenue = serializers.DecimalField(max_digits=14, decimal_places=2,
                                              allow_null=True)
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    assigned_staff_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EngagementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=Engagement.Type.choices)
    status = serializers.ChoiceField(choices=Engagement.Status.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    responsible_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    engagement_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Task.Status.choices)
    priority = serializers.ChoiceField(choices=Task.Priority.choices)
    due_date = serializers.DateField(allow_null=True)
    assignee_id = serializers.IntegerField(allow_null=True)
    estimated_hours = serializers.DecimalField(max_digits=6, decimal_places=2,
                                               allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DashboardOutput(serializers.Serializer):
    client_id = serializers.IntegerField()
    as_of = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField()
    documents_total = serializers.IntegerField()
    documents_last_30_days = serializers.IntegerField()
    documents_needing_review = serializers.IntegerField()
    tasks_active = serializers.IntegerField()
    tasks_completed = serializers.IntegerField()
    next_task_due = serializers.DateField(allow_null=True)
    invoices_total = serializers.IntegerField()
    invoices_open = serializers.IntegerField()
    invoices_overdue = serializers.IntegerField()
    revenue_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    outstanding_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    engagements_total = serializers.IntegerField()
    engagements_active = serializers.IntegerField()
    last_document_at = serializers.DateTimeField(allow_null=True)
    last_task_at = serializers.DateTimeField(allow_null=True)
    last_invoice_at = serializers.DateTimeField(allow_null=True)
    last_engagement_at = serializers.DateTimeField(allow_null=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)
