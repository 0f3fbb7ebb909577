"""Writes on firms: creation (schema, domain, owner) and settings changes."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.accounts.services import membership_create
from apps.firms.models import SLUG_VALIDATOR, Domain, Firm
from apps.firms.selectors import firm_host
from apps.firms.template_schema import template_schema_ensure

RESERVED_SLUGS = {"www", "api", "admin", "static", "media", "public", "mail", "app",
                  "firm-template", "pg-catalog", "information-schema"}


@dataclass(frozen=True)
class FirmCreated:
    firm: Firm
    domain: Domain
    owner_membership: Membership


def schema_name_for_slug(slug: str) -> str:
    # Schema names are identifiers: hyphens become underscores, and a prefix keeps them
    # clear of PostgreSQL's own schemas (pg_*, public, information_schema).
    return "firm_" + re.sub(r"[^a-z0-9]", "_", slug)


def firm_slug_validate(slug: str) -> None:
    SLUG_VALIDATOR(slug)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"'{slug}' is reserved; pick another."})
    if Firm.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A firm with the address '{slug}' already exists."})


def firm_create(
    *,
    name: str,
    slug: str,
    owner: User,
    plan: str = Firm.Plan.PRACTICE,
    commission_rate: Decimal = Decimal("0.1500"),
    marketplace_enabled: bool = True,
) -> FirmCreated:
    """Create a working firm: its schema (cloned from the template), domain and owner.

    Everything happens in one transaction (PostgreSQL DDL is transactional), so a
    failure leaves neither a half-made schema nor a firm row without one.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A firm needs a name."})
    try:
        firm_slug_validate(slug)
    except ValidationError as exc:
        raise ValidationError({"slug": exc.messages}) from exc

    # Outside the firm's transaction: the template is shared by every firm and only
    # changes when a deploy adds tenant migrations.
    template_schema_ensure()
    with transaction.atomic():
        firm = Firm(
            name=name,
            slug=slug,
            schema_name=schema_name_for_slug(slug),
            plan=plan,
            commission_rate=commission_rate,
            marketplace_enabled=marketplace_enabled,
        )
        firm.full_clean()
        firm.save()
        firm.create_schema(check_if_exists=True, verbosity=0)
        firm.schema_ready = True
        firm.save(update_fields=["schema_ready"])
        domain = Domain.objects.create(domain=firm_host(slug), tenant=firm, is_primary=True)
        owner_membership = membership_create(user=owner, firm=firm, role=Role.OWNER)
    connection.set_schema_to_public()
    return FirmCreated(firm=firm, domain=domain, owner_membership=owner_membership)


def firm_delete(*, firm: Firm) -> str:
    """Drop a firm and its schema. Irreversible; used by tests and platform staff."""
    from apps.firms.template_schema import schema_drop

    with transaction.atomic():
        schema = firm.schema_name
        firm.delete()
        schema_drop(schema)
    connection.set_schema_to_public()
    return schema


FIRM_SECURITY_FIELDS = ("mfa_required_for_clients", "staff_idle_timeout_minutes", "time_zone")


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name this machine knows, region first ("America/Chicago"), for a
    select; the legacy aliases ("US/Eastern", "EST5EDT") are left out of the list."""
    names = sorted(name for name in zoneinfo.available_timezones()
                   if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")))
    return [(name, name.replace("_", " ")) for name in [*names, "UTC"]]


@transaction.atomic
def firm_security_settings_update(*, firm: Firm, by: User, request=None, **changes) -> Firm:
    """Change the firm's sign-in rules; the change is audited with before and after."""
    from apps.audit.models import AuditAction
    from apps.audit.services import audit_record

    unknown = set(changes) - set(FIRM_SECURITY_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a security setting." for name in unknown})
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    before = {name: getattr(firm, name) for name in changes}
    for name, value in changes.items():
        setattr(firm, name, value)
    firm.full_clean(exclude=["schema_name", "slug", "name"])
    firm.save(update_fields=list(changes))
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=by, target=firm,
                 details={"before": before, "after": changes})
    return firm
