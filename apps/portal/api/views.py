"""Firm API (`/api/v1/`): clients, a client's dashboard, engagements and tasks.

Read-only, permission-checked by role (HasFirmPermission), filtered by django-filter and
paginated by cursor (stable under inserts, no COUNT(*) over 50,000 clients).
"""

from __future__ import annotations

import re

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisoros.api import output_data
from apps.accounts.permissions import HasFirmPermission
from apps.accounts.roles import Perm
from apps.portal.api import filters, serializers
from apps.portal.dashboard import client_dashboard_read
from apps.portal.models import Client, Engagement, Task

_CURSOR_CHARS = re.compile(r"[A-Za-z0-9_\-=]{1,200}")


class IdCursorPagination(CursorPagination):
    page_size = 50
    ordering = "id"

    def decode_cursor(self, request: Request):
        raw = request.query_params.get(self.cursor_query_param)
        # DRF's base64 decoding skips stray characters, so "%00" would read as page one.
        if raw is not None and not _CURSOR_CHARS.fullmatch(raw):
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]})
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF raises NotFound; a bad cursor is bad input
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc


class _FirmReadAPI:
    permission_classes = [HasFirmPermission]
    pagination_class = IdCursorPagination


class ClientListAPI(_FirmReadAPI, ListAPIView):
    required_permission = Perm.CLIENTS_VIEW
    serializer_class = serializers.ClientOutput
    filterset_class = filters.ClientFilter

    def get_queryset(self):
        return Client.objects.alive().values(*serializers.CLIENT_FIELDS)


class ClientDetailAPI(_FirmReadAPI, RetrieveAPIView):
    required_permission = Perm.CLIENTS_VIEW
    serializer_class = serializers.ClientOutput
    filter_backends: list = []

    def get_queryset(self):
        return Client.objects.alive().values(*serializers.CLIENT_FIELDS)


class ClientDashboardAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.CLIENTS_VIEW

    @extend_schema(responses=serializers.DashboardOutput)
    def get(self, request: Request, pk: int, **kwargs) -> Response:
        # A warm read runs no query; a miss checks the client exists (404) in the
        # statement that reads its figures.
        entry = client_dashboard_read(pk, missing=lambda: Http404("No such client."))
        data = {"client_id": pk, "as_of": entry.as_of, "source": entry.source,
                **entry.figures}
        return Response(output_data(serializers.DashboardOutput, data))


class EngagementListAPI(_FirmReadAPI, ListAPIView):
    required_permission = Perm.ENGAGEMENTS_VIEW
    serializer_class = serializers.EngagementOutput
    filterset_class = filters.EngagementFilter

    def get_queryset(self):
        return (Engagement.objects.filter(client__deleted_at__isnull=True)
                .values(*serializers.ENGAGEMENT_FIELDS))


class EngagementDetailAPI(_FirmReadAPI, RetrieveAPIView):
    required_permission = Perm.ENGAGEMENTS_VIEW
    serializer_class = serializers.EngagementOutput
    filter_backends: list = []

    def get_queryset(self):
        return (Engagement.objects.filter(client__deleted_at__isnull=True)
                .values(*serializers.ENGAGEMENT_FIELDS))


class TaskListAPI(_FirmReadAPI, ListAPIView):
    required_permission = Perm.TASKS_VIEW
    serializer_class = serializers.TaskOutput
    filterset_class = filters.TaskFilter

    def get_queryset(self):
        return (Task.objects.filter(client__deleted_at__isnull=True)
                .values(*serializers.TASK_FIELDS))


class TaskDetailAPI(_FirmReadAPI, RetrieveAPIView):
    required_permission = Perm.TASKS_VIEW
    serializer_class = serializers.TaskOutput
    filter_backends: list = []

    def get_queryset(self):
        return (Task.objects.filter(client__deleted_at__isnull=True)
                .values(*serializers.TASK_FIELDS))
