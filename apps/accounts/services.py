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


@transaction.atomic
def membership_create(*, user: User, firm: Firm, role: str) -> Membership:
    _role_validate(role)
    if Membership.objects.filter(user=user, firm=firm).exists():
        raise ValidationError({"user": f"{user.email} is already a member of {firm.name}."})
    return Membership.objects.create(user=user, firm=firm, role=role)


@transaction.atomic
def membership_role_set(*, membership: Membership, role: str) -> Membership:
    _role_validate(role)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_another_owner(membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership) -> Membership:
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    return membership


def _ensure_another_owner(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(firm_id=membership.firm_id, role=Role.OWNER, is_active=True)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError({"role": "A firm must keep at least one active owner."})
