"""The partners' page, resolving with a note, and the two-person deletion of documents
past retention (through the documents app's delete service, audited)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.compliance.models import DeletionRequest, Finding
from apps.compliance.services import (
    AUDIT_DELETION_APPROVED,
    AUDIT_DELETION_REQUESTED,
    deletion_request_approve,
    deletion_request_reject,
)
from apps.documents.models import Document
from tests.compliance.factories import old_document, pending_deletion, retention_finding
from tests.portal.factories import make_client, make_document

pytestmark = pytest.mark.django_db


def test_the_requester_can_never_approve_their_own_deletion(in_firm_a):
    partner = in_firm_a.user(Role.PARTNER)
    deletion = pending_deletion(partner)

    with pytest.raises(ValidationError):
        deletion_request_approve(deletion=deletion, user=partner)

    assert Document.objects.filter(pk__in=deletion.document_ids,
                                   deleted_at__isnull=True).count() == 2
    deletion.refresh_from_db()
    assert deletion.status == DeletionRequest.Status.PENDING
    # And the database refuses it even past the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        DeletionRequest.objects.filter(pk=deletion.pk).update(decided_by_id=partner.pk)


def test_a_second_person_approves_and_only_the_listed_documents_go(in_firm_a):
    partner, owner = in_firm_a.user(Role.PARTNER), in_firm_a.user(Role.OWNER)
    client = make_client()
    recent = make_document(client, days_old=30)
    deletion = pending_deletion(partner, client)
    added_later = old_document(client)  # past retention, but not in the request

    decided = deletion_request_approve(deletion=deletion, user=owner, note="Checked")

    assert (decided.status, decided.deleted_count, decided.decided_by_email) == (
        DeletionRequest.Status.APPROVED, 2, owner.email)
    assert set(Document.objects.filter(client=client, deleted_at__isnull=True)
               .values_list("pk", flat=True)) == {recent.pk, added_later.pk}
    actions = set(AuditEvent.objects.filter(target_type="compliance.deletionrequest",
                                            target_id=str(deletion.pk))
                  .values_list("action", flat=True))
    assert actions == {AUDIT_DELETION_REQUESTED, AUDIT_DELETION_APPROVED}
    assert Finding.objects.get(pk=deletion.finding_id).status == Finding.Status.OPEN


def test_approval_resolves_the_finding_when_nothing_is_left_and_a_reject_deletes_nothing(
        in_firm_a):
    partner, admin = in_firm_a.user(Role.PARTNER), in_firm_a.user(Role.ADMIN)
    rejected = pending_deletion(partner)
    deletion_request_reject(deletion=rejected, user=admin, note="Client asked to keep them")
    assert Document.objects.filter(pk__in=rejected.document_ids,
                                   deleted_at__isnull=True).count() == 2

    deletion = pending_deletion(partner)
    deletion_request_approve(deletion=deletion, user=admin)

    finding = Finding.objects.get(pk=deletion.finding_id)
    assert (finding.status, finding.resolved_by_email) == (Finding.Status.RESOLVED, admin.email)
    assert "approved by" in finding.resolution_note


def test_the_deletion_flow_over_http(in_firm_a):
    finding = retention_finding()
    partner, owner = in_firm_a.client(Role.PARTNER), in_firm_a.client(Role.OWNER)

    bad = partner.post(reverse("compliance:deletion_request", args=[finding.pk]),
                       {"reason": ""})
    assert bad.status_code == 400 and DeletionRequest.objects.count() == 0

    partner.post(reverse("compliance:deletion_request", args=[finding.pk]),
                 {"reason": "Seven years are over"})
    deletion = DeletionRequest.objects.get()
    own = partner.post(reverse("compliance:deletion_decide", args=[deletion.pk]),
                       {"decision": "approve"})
    assert own.status_code == 400
    assert "second person" in own.content.decode()

    done = owner.post(reverse("compliance:deletion_decide", args=[deletion.pk]),
                      {"decision": "approve", "note": "Agreed"})

    assert done.status_code == 302
    assert Document.objects.filter(pk__in=deletion.document_ids,
                                   deleted_at__isnull=True).count() == 0


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF_ACCOUNTANT, Role.CLIENT_OWNER])
def test_people_without_the_permission_see_nothing_and_change_nothing(in_firm_a, role):
    finding = retention_finding()
    browser = in_firm_a.client(role)

    assert browser.get(reverse("compliance:findings")).status_code == 403
    assert browser.get(reverse("compliance:finding", args=[finding.pk])).status_code == 403
    assert browser.post(reverse("compliance:resolve", args=[finding.pk]),
                        {"note": "x"}).status_code == 403
    assert browser.post(reverse("compliance:deletion_request", args=[finding.pk]),
                        {"reason": "x"}).status_code == 403
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and DeletionRequest.objects.count() == 0


def test_an_auditor_reads_but_cannot_resolve_or_delete(in_firm_a):
    finding = retention_finding()
    auditor = in_firm_a.client(Role.AUDITOR)

    page = auditor.get(reverse("compliance:finding", args=[finding.pk]))

    assert page.status_code == 200 and "Documents past retention" in page.content.decode()
    assert auditor.post(reverse("compliance:resolve", args=[finding.pk]),
                        {"note": "x"}).status_code == 403
    assert auditor.post(reverse("compliance:deletion_request", args=[finding.pk]),
                        {"reason": "x"}).status_code == 403


def test_a_partner_resolves_with_a_note_and_the_page_says_who(in_firm_a):
    finding = retention_finding()
    partner = in_firm_a.client(Role.PARTNER)

    empty = partner.post(reverse("compliance:resolve", args=[finding.pk]), {"note": " "})
    assert empty.status_code == 400
    partner.post(reverse("compliance:resolve", args=[finding.pk]),
                 {"note": "Litigation hold until 2027"})

    listing = partner.get(reverse("compliance:findings"), {"status": "resolved"})
    assert listing.status_code == 200
    text = listing.content.decode()
    assert in_firm_a.user(Role.PARTNER).email in text
    detail = partner.get(reverse("compliance:finding", args=[finding.pk])).content.decode()
    assert "Litigation hold until 2027" in detail


def test_settings_are_for_firm_managers_and_bad_values_are_field_errors(in_firm_a):
    url = reverse("compliance:settings")
    assert in_firm_a.client(Role.PARTNER).get(url).status_code == 403
    owner = in_firm_a.client(Role.OWNER)

    bad = owner.post(url, {"retention_years": "0", "deadline_warning_days": "14",
                           "reveal_min_count": "10", "reveal_multiplier": "3"})
    good = owner.post(url, {"retention_years": "10", "deadline_warning_days": "14",
                            "reveal_min_count": "10", "reveal_multiplier": "3",
                            "staff_mfa_required": "on"})

    assert bad.status_code == 400 and "between 1 and 100" in bad.content.decode()
    assert good.status_code == 302
    from apps.compliance.services import settings_get
    assert settings_get().retention_years == 10


def test_check_now_runs_the_rules(in_firm_a):
    old_document(make_client())

    response = in_firm_a.client(Role.PARTNER).post(reverse("compliance:evaluate"))

    assert response.status_code == 302
    assert Finding.objects.filter(status=Finding.Status.OPEN,
                                  rule="retention_expired").count() == 1
