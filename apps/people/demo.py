"""People demo data for the demo firms (called by `manage.py seed_demo` after the portal's).

Per firm: pending invitations (a colleague and a client user), conversations with unread
messages on both sides, a signed and an open proposal, and a half-answered tax organizer.
Everything goes through the real services, so the signed proposal has a real certified
PDF that `verify_signed_pdf` accepts. Idempotent: a firm that has threads is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.firms.models import Firm
from apps.people.invitations import invitation_create
from apps.people.messaging import message_post, thread_start
from apps.people.models import Thread
from apps.people.models_organizers import OrganizerTemplate
from apps.people.models_proposals import ProposalTemplate
from apps.people.organizers import organizer_save, organizer_send
from apps.people.proposals import proposal_create, proposal_send, proposal_sign, template_lines
from apps.portal.models import Client, ClientAccess

DEMO_SLUGS = ("johnson-associates", "sarah-chen", "regional-cpa-network")


def _member(firm: Firm, *roles: str) -> User | None:
    membership = (Membership.objects.select_related("user")
                  .filter(firm=firm, role__in=roles, is_active=True).order_by("id").first())
    return membership.user if membership else None


def _fill(firm: Firm) -> str:
    owner = _member(firm, Role.OWNER)
    staff = _member(firm, Role.MANAGER, Role.OWNER)
    client_user = _member(firm, Role.CLIENT_OWNER)
    access = ClientAccess.objects.filter(user_id=client_user.pk).order_by("id").first() \
        if client_user else None
    if owner is None or staff is None or client_user is None or access is None:
        return "skipped (no client user with a client)"
    client = Client.objects.get(pk=access.client_id)

    invitation_create(email=f"new.colleague@{firm.slug}.test", role=Role.STAFF_ACCOUNTANT,
                      by=owner)
    invitation_create(email=f"controller@{client.business_name.split()[0].lower()}.example",
                      role=Role.CLIENT_MEMBER, client=client, by=owner)

    thread = thread_start(client=client, subject="Year-end documents", author=client_user,
                          from_firm=False, body="Hi! Which statements do you need from us "
                                                "for the year-end close?")
    message_post(thread=thread, author=staff, from_firm=True,
                 body="Thanks for asking: December bank and card statements, and the loan "
                      "balance. You can attach them here.")
    thread_start(client=client, subject="Payroll question", author=client_user,
                 from_firm=False, body="We are hiring two people in March. Anything we "
                                       "should set up before then?")

    template = ProposalTemplate.objects.first()
    lines = template_lines(template)
    signed = proposal_create(client=client, title=f"{timezone.localdate().year} engagement "
                             "letter", terms=template.terms, introduction=template.introduction,
                             expires_on=timezone.localdate() + timedelta(days=30), lines=lines,
                             by=staff)
    proposal_send(proposal=signed, by=staff)
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1",
                                    HTTP_USER_AGENT="AdvisorOS demo data")
    request.user = client_user
    proposal_sign(proposal=signed, user=client_user, signer_name=client_user.get_full_name(),
                  signature_kind="typed", consent=True, request=request)
    open_one = proposal_create(client=client, title="Quarterly advisory add-on",
                               terms=template.terms, lines=lines[2:],
                               expires_on=timezone.localdate() + timedelta(days=14), by=staff)
    proposal_send(proposal=open_one, by=staff)

    organizer = organizer_send(client=client, template=OrganizerTemplate.objects.first(),
                               by=staff)
    organizer_save(organizer=organizer, user=client_user, values={
        "filing_status": "Married filing jointly", "dependents": "yes",
        "dependents_count": "2", "moved": "no", "w2": "yes", "sold_stock": "yes"})
    return f"2 invitations, 2 conversations, 2 proposals, 1 organizer for {client}"


def seed_people_demo(progress: Callable[[str], None] = print) -> None:
    for firm in Firm.objects.filter(slug__in=DEMO_SLUGS).order_by("pk"):
        with tenant_context(firm):
            if Thread.objects.exists():
                progress(f"    {firm.name}: people data already there")
                continue
            with transaction.atomic():
                progress(f"    {firm.name}: {_fill(firm)}")
