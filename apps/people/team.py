"""The firm's team: who is a member (public schema) and the changes staff make to it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import Membership, User
from apps.accounts.roles import CLIENT_ROLES, STAFF_ROLES, Role
from apps.accounts.services import membership_deactivate, membership_role_set


def team_members(firm_id: int) -> QuerySet[Membership]:
    """Staff memberships with the facts the team page shows, in one query."""
    has_mfa = TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
    return (Membership.objects.filter(firm_id=firm_id, role__in=list(STAFF_ROLES))
            .select_related("user").annotate(has_mfa=Exists(has_mfa))
            .order_by("-is_active", "user__full_name", "user__email"))


def member_get(*, firm_id: int, membership_id: int) -> Membership:
    return Membership.objects.select_related("user").get(pk=membership_id, firm_id=firm_id)


def _is_owner(user: User, firm_id: int) -> bool:
    return Membership.objects.filter(user=user, firm_id=firm_id, role=Role.OWNER,
                                     is_active=True).exists()


def member_role_change(*, membership: Membership, role: str, by: User) -> Membership:
    """Staff stay staff and clients stay clients; only owners make or unmake owners."""
    same_side = STAFF_ROLES if membership.role in STAFF_ROLES else CLIENT_ROLES
    if role not in same_side:
        raise ValidationError({"role": "Choose one of the roles offered."})
    if Role.OWNER in (role, membership.role) and not _is_owner(by, membership.firm_id):
        raise ValidationError({"role": "Only an owner can make or unmake an owner."})
    return membership_role_set(membership=membership, role=role, by=by)


def member_deactivate(*, membership: Membership, by: User) -> Membership:
    """Switch a member off (apps.accounts ends their access at once); never oneself, and
    never the last owner (the accounts service refuses that)."""
    if membership.user_id == by.pk:
        raise ValidationError({"member": "You cannot switch off your own access."})
    if not membership.is_active:
        raise ValidationError({"member": "This member is already switched off."})
    if membership.role == Role.OWNER and not _is_owner(by, membership.firm_id):
        raise ValidationError({"member": "Only an owner can switch off an owner."})
    return membership_deactivate(membership=membership, by=by)
