"""The demo firms get people data: pending invitations, unread threads, a signed and an
open proposal, a half-answered organizer; running the seed again adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.documents.storage import document_read
from apps.firms.models import Firm
from apps.people.esign import verify_signed_pdf
from apps.people.models import Invitation, Message, Organizer, Proposal, Thread
from apps.people.organizers import completion
from apps.people.selectors import portal_threads

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_people_data_once(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())

    assert "People: invitations, conversations, proposals, organizers" in out.getvalue()
    firm = Firm.objects.get(slug="johnson-associates")
    client_user = User.objects.get(email="client-owner@johnson-associates.test")
    with schema_context(firm.schema_name):
        assert Invitation.objects.filter(status="pending").count() == 2
        assert Thread.objects.count() == 2 and Message.objects.count() == 3
        client_id = Thread.objects.first().client_id
        unread = {t.subject: t.unread for t in portal_threads(user_id=client_user.pk,
                                                              client_id=client_id)}
        assert unread == {"Year-end documents": 1, "Payroll question": 0}
        signed = Proposal.objects.get(status=Proposal.Status.SIGNED)
        assert Proposal.objects.filter(status=Proposal.Status.SENT).count() == 1
        pdf = document_read(signed.signed_document.file.name)
        assert verify_signed_pdf(proposal=signed, pdf=pdf, firm_name=firm.name).valid
        organizer = Organizer.objects.get()
        done, asked = completion(organizer)
        assert 0 < done < asked
