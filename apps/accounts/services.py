"""Writes on users and memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role

if TYPE_CHECKING:
    from apps.firms.models import Firm


@transaction.atomic
def user_create(*, email: str, password: str | None, full_name: str = "",
                validate: bool = True) -> User:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "A user with this email already exists."})
    user = User(email=email, full_name=full_name.strip())
    if password is not None and validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


def _role_validate(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a role."})


def audit_in_firm(firm_id: int, *, action: str, by: User | None, target, details: dict
                  ) -> None:
    """Membership changes (and what they revoke) belong to the firm's own trail, whichever
    schema we are in."""
    from django_tenants.utils import schema_context

    from apps.audit.services import audit_record
    from apps.firms.models import Firm

    schema = Firm.objects.filter(pk=firm_id, schema_ready=True).values_list(
        "schema_name", flat=True).first()
    if schema is None:
        return
    with schema_context(schema):
        audit_record(action=action, actor=by, target=target, details=details)


def _audit_in_firm(firm_id: int, *, action: str, by: User | None, membership: Membership,
                   details: dict) -> None:
    audit_in_firm(firm_id, action=action, by=by, target=membership.user,
                  details={"email": membership.user.email, **details})


@transaction.atomic
def membership_create(*, user: User, firm: Firm, role: str, by: User | None = None
                      ) -> Membership:
    from apps.audit.models import AuditAction

    _role_validate(role)
    if Membership.objects.filter(user=user, firm=firm).exists():
        raise ValidationError({"user": f"{user.email} is already a member of {firm.name}."})
    membership = Membership.objects.create(user=user, firm=firm, role=role)
    _audit_in_firm(firm.pk, action=AuditAction.MEMBER_ADDED, by=by, membership=membership,
                   details={"role": role})
    return membership


@transaction.atomic
def membership_role_set(*, membership: Membership, role: str, by: User | None = None
                        ) -> Membership:
    from apps.audit.models import AuditAction

    _role_validate(role)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_another_owner(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _audit_in_firm(membership.firm_id, action=AuditAction.ROLE_CHANGED, by=by,
                   membership=membership, details={"before": before, "after": role})
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: User | None = None) -> Membership:
    """End a membership completely, in one transaction: the role stops counting at once
    (the save invalidates the cached role, apps/accounts/signals.py), every API key the
    member made in the firm is revoked (audited), and after commit the member's sessions
    end."""
    from apps.accounts.sessions import user_sessions_end
    from apps.audit.models import AuditAction
    from apps.security.api_keys import api_keys_revoke_of_member

    if membership.role == Role.OWNER:
        _ensure_another_owner(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    _audit_in_firm(membership.firm_id, action=AuditAction.MEMBER_DEACTIVATED, by=by,
                   membership=membership, details={"role": membership.role})
    api_keys_revoke_of_member(firm_id=membership.firm_id, user_id=membership.user_id, by=by,
                              reason="the key's owner was deactivated")
    user_id = membership.user_id
    transaction.on_commit(lambda: user_sessions_end(user_id=user_id))
    return membership


def _ensure_another_owner(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(firm_id=membership.firm_id, role=Role.OWNER, is_active=True)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError({"role": "A firm must keep at least one active owner."})
