"""`GET /api/v1/audit-events/`: the firm's audit trail for integrators (SIEM export)."""

from __future__ import annotations

import django_filters
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from advisoros.api import StrictCursorPagination, UtcIsoDateTimeFilter
from apps.accounts.permissions import HasFirmPermission
from apps.accounts.roles import Perm
from apps.audit.models import AuditAction, AuditEvent

AUDIT_EVENT_FIELDS = ("id", "created_at", "action", "actor_id", "actor_email", "target_type",
                      "target_id", "ip_address", "request_id", "details", "prev_hash", "hash")
_CREATED_AT = serializers.DateTimeField()


class AuditEventOutput(serializers.ModelSerializer):
    """The fields (and the schema) are the model serializer's; a row is written out
    directly: a page is 50-500 rows, and DRF's field-by-field walk cost more CPU than the
    rest of the request. Every value but the timestamp is already what JSON needs."""

    # For the schema: each action code with its label (the output is the code itself).
    action = serializers.ChoiceField(choices=AuditAction.choices, read_only=True)

    class Meta:
        model = AuditEvent
        fields = list(AUDIT_EVENT_FIELDS)

    def to_representation(self, instance) -> dict:
        row = instance if isinstance(instance, dict) else \
            {name: getattr(instance, name) for name in AUDIT_EVENT_FIELDS}
        data = {name: row[name] for name in AUDIT_EVENT_FIELDS}
        data["created_at"] = _CREATED_AT.to_representation(row["created_at"])
        return data


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    actor_email = django_filters.CharFilter(lookup_expr="iexact", max_length=254)
    # Converted to UTC: an offset PostgreSQL cannot store (-17:00) is not a 500.
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor_email", "since", "until"]


class AuditEventCursor(StrictCursorPagination):
    ordering = "-id"
    max_page_size = 500


class AuditEventList(ListAPIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.AUDIT_VIEW
    serializer_class = AuditEventOutput
    filterset_class = AuditEventFilter
    pagination_class = AuditEventCursor
    # Rows as dicts: no model instances to build for a read-only listing.
    queryset = AuditEvent.objects.values(*AUDIT_EVENT_FIELDS)
