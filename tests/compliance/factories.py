"""Compliance test data: documents past retention, findings and deletions, made through
the real services."""

from __future__ import annotations

from apps.compliance.models import DeletionRequest, Finding, Rule
from apps.compliance.services import compliance_evaluate, deletion_request_create
from apps.documents.models import Document
from tests.portal.factories import make_client, make_document


def old_document(client, *, years: float = 8) -> Document:
    return make_document(client, days_old=round(365.25 * years))


def retention_finding(client=None, *, documents: int = 2) -> Finding:
    client = client or make_client()
    for _ in range(documents):
        old_document(client)
    compliance_evaluate(rules=(Rule.RETENTION_EXPIRED,))
    return Finding.objects.get(rule=Rule.RETENTION_EXPIRED, subject_id=client.pk,
                               status=Finding.Status.OPEN)


def pending_deletion(requester, client=None) -> DeletionRequest:
    return deletion_request_create(finding=retention_finding(client), user=requester,
                                   reason="Past the 7-year retention period")

