"""Real objects of firm A for the isolation suite's people routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.people.models import (
    Invitation,
    Message,
    Notification,
    Organizer,
    OrganizerTemplate,
    Proposal,
    ProposalTemplate,
    Thread,
)
from apps.people.tax_organizer import TAX_ORGANIZER
from tests.portal.factories import give_access, make_client


def _membership(world) -> dict:
    membership = Membership.objects.get(firm=world.firm, user=world.users[Role.BOOKKEEPER])
    return {"membership_id": membership.pk}


def _invitation(world) -> dict:
    with schema_context(world.firm.schema_name):
        now = timezone.now()
        invitation = Invitation.objects.create(
            email="isolation-invitee@example.com", kind=Invitation.Kind.STAFF,
            role=Role.BOOKKEEPER, nonce="0" * 32, expires_at=now + timedelta(days=7),
            last_sent_at=now)
    return {"invitation_id": invitation.pk}


def _client(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Isolation people")
        give_access(world.user(Role.CLIENT_OWNER), client)
    return {"client_id": client.pk, "user_id": world.users[Role.CLIENT_OWNER].pk}


def _thread(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Isolation messages")
        give_access(world.user(Role.CLIENT_OWNER), client)
        thread = Thread.objects.create(client=client, subject="Isolation thread",
                                       last_message_at=timezone.now())
        Message.objects.create(thread=thread, from_firm=True, body="Isolation message")
    return {"client_id": client.pk, "thread_id": thread.pk}


def _notification(world) -> dict:
    with schema_context(world.firm.schema_name):
        notification = Notification.objects.create(
            user_id=world.users[Role.OWNER].pk, kind=Notification.Kind.MESSAGE,
            title="Isolation notice", url="/notifications/")
    return {"notification_id": notification.pk}


def _proposal(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Isolation proposals")
        give_access(world.user(Role.CLIENT_OWNER), client)
        proposal = Proposal.objects.create(client=client, title="Isolation proposal",
                                           terms="Terms", status=Proposal.Status.SENT,
                                           expires_on=timezone.localdate() + timedelta(days=9))
    return {"client_id": client.pk, "proposal_id": proposal.pk}


def _organizer(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Isolation organizers")
        give_access(world.user(Role.CLIENT_OWNER), client)
        organizer = Organizer.objects.create(client=client, title="Isolation organizer",
                                             definition=TAX_ORGANIZER)
    return {"client_id": client.pk, "organizer_id": organizer.pk}


def _organizer_template(world) -> dict:
    with schema_context(world.firm.schema_name):
        template = OrganizerTemplate.objects.create(name="Isolation questionnaire",
                                                    definition=TAX_ORGANIZER)
    return {"template_id": template.pk}


def _proposal_template(world) -> dict:
    with schema_context(world.firm.schema_name):
        template = ProposalTemplate.objects.create(name="Isolation letter", terms="Terms")
    return {"template_id": template.pk}


PEOPLE_SAMPLES: dict[str, Callable] = {
    **dict.fromkeys(["people:member_role", "people:member_deactivate"], _membership),
    **dict.fromkeys(["people:invitation_resend", "people:invitation_revoke"], _invitation),
    **dict.fromkeys(["people:client_access", "people:client_invite",
                     "people:client_access_remove", "people:thread_create",
                     "people:proposal_new", "portal_people:proposals",
                     "people:organizer_new", "portal_people:organizers"], _client),
    **dict.fromkeys(["people:organizer", "portal_people:organizer"], _organizer),
    **dict.fromkeys(["people:proposal", "people:proposal_send", "people:proposal_withdraw",
                     "portal_people:proposal"], _proposal),
    **dict.fromkeys(["people:thread", "people:thread_assign", "portal_people:threads",
                     "portal_people:thread"], _thread),
    "notifications:open": _notification,
    **dict.fromkeys(["people:organizer_template", "people:organizer_template_copy",
                     "people:organizer_template_preview"], _organizer_template),
    **dict.fromkeys(["people:proposal_template", "people:proposal_template_copy"],
                    _proposal_template),
}
