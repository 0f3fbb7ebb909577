"""Invitations: create, resend, revoke, check a link, accept.

Invitations live in the firm's schema because a link is only ever opened on the firm's
host: the search path already scopes the lookup to this firm, another firm's invitation
simply does not exist here, and the signed payload names its firm so the page can say so.
Accepting writes the user and membership in `public` (same connection, same transaction)
through apps.accounts' services, and the client access through apps.portal's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.accounts.roles import CLIENT_ROLES, STAFF_ROLES, Role
from apps.accounts.services import membership_create, user_create
from apps.mail.services import firm_url, mail_queue
from apps.people import audit
from apps.people.models import Invitation, Notification
from apps.people.notifications import notify
from apps.portal.models import Client, ClientAccess
from apps.portal.services import client_access_grant

_SALT = "people.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"f": connection.tenant.pk, "i": invitation.pk,
                          "n": invitation.nonce}, salt=_SALT, compress=True)


def invitation_link(invitation: Invitation) -> str:
    return firm_url(reverse("invitations:accept", args=[invitation_token(invitation)]))


def _membership(email: str, firm_id: int) -> Membership | None:
    return (Membership.objects.select_related("user")
            .filter(user__email=email, firm_id=firm_id).first())


def _role_check(*, kind: str, role: str, by: User, firm_id: int) -> None:
    allowed = CLIENT_ROLES if kind == Invitation.Kind.CLIENT else STAFF_ROLES
    if role not in allowed:
        raise ValidationError({"role": "Choose one of the roles offered."})
    if role == Role.OWNER:
        mine = Membership.objects.filter(user=by, firm_id=firm_id, is_active=True,
                                         role=Role.OWNER).exists()
        if not mine:
            raise ValidationError({"role": "Only an owner can invite another owner."})


def _email_clean(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    return email


def _send(invitation: Invitation, *, by: User) -> None:
    firm = connection.tenant
    what = (f"the {invitation.client.business_name} client portal"
            if invitation.kind == Invitation.Kind.CLIENT else "the team")
    mail_queue(to=invitation.email, subject=f"{firm.name} invites you to join {what}",
               template="people/email/invitation", kind="invitation",
               context={"inviter": by.get_full_name(), "what": what,
                        "role": invitation.get_role_display(), "url": invitation_link(invitation),
                        "expires_at": invitation.expires_at})


@transaction.atomic
def invitation_create(*, email: str, role: str, by: User, client: Client | None = None,
                      request: HttpRequest | None = None) -> Invitation:
    """Invite `email` as staff with `role`, or (with `client`) as a portal user of it."""
    firm = connection.tenant
    email = _email_clean(email)
    kind = Invitation.Kind.CLIENT if client is not None else Invitation.Kind.STAFF
    _role_check(kind=kind, role=role, by=by, firm_id=firm.pk)
    existing = _membership(email, firm.pk)
    if existing is not None:
        if kind == Invitation.Kind.STAFF or existing.role in STAFF_ROLES:
            raise ValidationError({"email": f"{email} already has an account at {firm.name}."})
        if ClientAccess.objects.filter(user=existing.user, client=client).exists():
            raise ValidationError({"email": f"{email} already has access to this client."})
    pending = Invitation.objects.filter(email=email, kind=kind, client=client,
                                        status=Invitation.Status.PENDING)
    if pending.exists():
        raise ValidationError({"email": f"{email} is already invited: resend that invitation "
                                        "instead."})
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email, kind=kind, role=role, client=client, nonce=secrets.token_hex(16),
        expires_at=now + timedelta(days=settings.INVITATION_DAYS), invited_by=by,
        last_sent_at=now)
    audit.people_audit(audit.INVITATION_SENT, request=request, actor=by, target=invitation,
                       details={"email": email, "role": role,
                                "client_id": getattr(client, "pk", None)})
    _send(invitation, by=by)
    return invitation


def _pending_locked(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update(of=("self",)).select_related("client").get(
        pk=invitation.pk)
    if locked.status != Invitation.Status.PENDING:
        raise ValidationError({"invitation": f"This invitation is already "
                                             f"{locked.get_status_display().lower()}."})
    return locked


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, request: HttpRequest | None = None
                      ) -> Invitation:
    """A fresh link with a fresh lifetime; the earlier link stops working."""
    invitation = _pending_locked(invitation)
    now = timezone.now()
    invitation.nonce = secrets.token_hex(16)
    invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
    invitation.sent_count += 1
    invitation.last_sent_at = now
    invitation.save(update_fields=["nonce", "expires_at", "sent_count", "last_sent_at"])
    audit.people_audit(audit.INVITATION_RESENT, request=request, actor=by, target=invitation,
                       details={"email": invitation.email})
    _send(invitation, by=by)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User, request: HttpRequest | None = None
                      ) -> Invitation:
    invitation = _pending_locked(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["status", "revoked_at"])
    audit.people_audit(audit.INVITATION_REVOKED, request=request, actor=by, target=invitation,
                       details={"email": invitation.email})
    return invitation


# Why a link cannot be used, as the page tells it.
PROBLEMS = {
    "invalid": "This invitation link is not valid. Check that you copied all of it.",
    "other_firm": "This invitation is for another firm. Open the link exactly as it was "
                  "sent to you.",
    "replaced": "A newer invitation was sent to you, so this link no longer works. Use "
                "the most recent email.",
    "revoked": "This invitation was withdrawn. Ask the firm for a new one if you still "
               "need access.",
    "used": "This invitation was already accepted. Sign in with your email and password.",
    "expired": "This invitation has expired. Ask the firm to send it again.",
}


@dataclass(frozen=True)
class LinkCheck:
    invitation: Invitation | None
    problem: str | None  # a key of PROBLEMS


def invitation_check(token: str) -> LinkCheck:
    """Which invitation a link names in this firm, or why it cannot be used."""
    try:
        payload = signing.loads(token, salt=_SALT)
        firm_id, pk, nonce = int(payload["f"]), int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return LinkCheck(None, "invalid")
    if firm_id != connection.tenant.pk:
        return LinkCheck(None, "other_firm")
    invitation = Invitation.objects.select_related("client").filter(pk=pk).first()
    if invitation is None:
        return LinkCheck(None, "invalid")
    if invitation.status == Invitation.Status.ACCEPTED:
        return LinkCheck(invitation, "used")
    if invitation.status == Invitation.Status.REVOKED:
        return LinkCheck(invitation, "revoked")
    if not secrets.compare_digest(invitation.nonce, nonce):
        return LinkCheck(invitation, "replaced")
    if invitation.expires_at <= timezone.now():
        return LinkCheck(invitation, "expired")
    return LinkCheck(invitation, None)


def invitation_account(invitation: Invitation) -> User | None:
    return User.objects.filter(email=invitation.email).first()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, request: HttpRequest, user: User | None = None,
                      full_name: str = "", password: str = "") -> User:
    """Accept for the signed-in `user` (their email must match), for an existing account
    proven by its `password`, or by creating the account with `full_name` and `password`.
    Returns the user, whom the caller signs in."""
    firm = connection.tenant
    invitation = _pending_locked(invitation)
    if invitation.expires_at <= timezone.now():
        raise ValidationError({"invitation": PROBLEMS["expired"]})
    account = invitation_account(invitation)
    if user is not None:
        if user.email != invitation.email:
            raise ValidationError({"invitation": "This invitation is for another person."})
    elif account is not None:
        user = authenticate(request, username=invitation.email, password=password)
        if user is None:
            raise ValidationError({"password": "That password does not match your account."})
    else:
        user = user_create(email=invitation.email, password=password, full_name=full_name)
    membership = Membership.objects.filter(user=user, firm=firm).first()
    if membership is None:
        membership_create(user=user, firm=firm, role=invitation.role,
                          by=invitation.invited_by if invitation.invited_by_id else None)
    elif not membership.is_active:
        raise ValidationError({"invitation": f"Your access to {firm.name} was switched off. "
                                             "Ask the firm to switch it on again."})
    elif invitation.kind == Invitation.Kind.STAFF or membership.role in STAFF_ROLES:
        raise ValidationError({"invitation": f"You already have an account at {firm.name}."})
    if invitation.client_id is not None:
        client_access_grant(client=invitation.client, user=user, request=request, actor=user)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    audit.people_audit(audit.INVITATION_ACCEPTED, request=request, actor=user,
                       target=invitation, details={"email": user.email,
                                                   "role": invitation.role,
                                                   "client_id": invitation.client_id})
    if invitation.invited_by_id and invitation.invited_by_id != user.pk:
        where = (reverse("people:client_access", args=[invitation.client_id])
                 if invitation.client_id else reverse("people:team"))
        notify(user_ids=[invitation.invited_by_id], kind=Notification.Kind.INVITATION_ACCEPTED,
               title=f"{user.get_full_name()} accepted your invitation", url=where,
               send_email=False)
    return user


def invitation_landing(invitation: Invitation) -> str:
    """Where the person goes once in (MFA enrolment comes first where the firm needs it;
    the security middleware sends them there with this as `next`)."""
    if invitation.kind == Invitation.Kind.CLIENT:
        return reverse("portal:dashboard", args=[invitation.client_id])
    return "/"
