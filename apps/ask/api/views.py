"""`GET /api/v1/ask/?q=...&client=<id>`: passages with citations and extracted values."""

from __future__ import annotations

from dataclasses import asdict

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import HasFirmPermission
from apps.accounts.roles import Perm
from apps.ask.forms import MAX_QUESTION
from apps.ask.generator import generate_answer
from apps.ask.selectors import ask
from apps.portal.models import Client


class AskQuery(serializers.Serializer):
    # At least one visible character: the schema says so (pattern), so a question of only
    # spaces is refused by the schema, not found out after trimming.
    q = serializers.RegexField(r"\S", max_length=MAX_QUESTION)
    client = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class AskAnswerOutput(serializers.Serializer):
    """What the API answers (documented for integrators and the schema fuzzing)."""

    question = serializers.CharField()
    citations = serializers.ListField(child=serializers.DictField())
    values = serializers.JSONField()
    generated = serializers.CharField(allow_null=True)


class AskAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.DOCUMENTS_VIEW

    @extend_schema(parameters=[AskQuery], responses={200: AskAnswerOutput})
    def get(self, request: Request) -> Response:
        query = AskQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        client_id = query.validated_data.get("client")
        if client_id and not Client.objects.alive().filter(pk=client_id).exists():
            raise ValidationError({"client": ["No such client in this firm."]})
        answer = ask(query.validated_data["q"], client_id=client_id,
                     limit=query.validated_data["limit"])
        answer.generated = generate_answer(answer)
        citations = []
        for citation in answer.citations:
            row = asdict(citation)
            row["url"] = reverse("documents:detail", args=[citation.document_id])
            citations.append(row)
        return Response({"question": answer.question, "citations": citations,
                         "values": answer.values, "generated": answer.generated or None})
