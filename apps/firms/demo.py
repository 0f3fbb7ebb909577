"""The demo firms and people that `manage.py seed_demo` creates (idempotently)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.accounts.services import membership_create, user_create
from apps.firms.models import Firm
from apps.firms.services import firm_create
from apps.firms.template_schema import template_schema_ensure

DEMO_PASSWORD = "advisoros-demo-2026"
PLATFORM_ADMIN_EMAIL = "platform@advisoros.test"


@dataclass(frozen=True)
class DemoFirm:
    slug: str
    name: str
    plan: str
    roles: tuple[str, ...]
    owner_name: str = ""


ALL_ROLES = tuple(Role)
DEMO_FIRMS = (
    DemoFirm("johnson-associates", "Johnson & Associates CPA", Firm.Plan.PRACTICE, ALL_ROLES),
    # A solo practitioner: one owner who does everything, and their clients.
    DemoFirm("sarah-chen", "Sarah Chen CPA", Firm.Plan.SOLO,
             (Role.OWNER, Role.CLIENT_OWNER, Role.CLIENT_MEMBER), owner_name="Sarah Chen"),
    DemoFirm("regional-cpa-network", "Regional CPA Network", Firm.Plan.ENTERPRISE, ALL_ROLES),
)


# Realistic people, so pages read like a real firm's (first names differ by role).
DEMO_PEOPLE = {
    Role.OWNER: "Olivia Grant", Role.ADMIN: "Marcus Webb", Role.PARTNER: "Priya Natarajan",
    Role.MANAGER: "Daniel Okafor", Role.SENIOR_ACCOUNTANT: "Hannah Kowalski",
    Role.STAFF_ACCOUNTANT: "Luis Moreno", Role.BOOKKEEPER: "Grace Liu",
    Role.TAX_PREPARER: "Samuel Brooks", Role.ADVISOR: "Elena Petrova",
    Role.AUDITOR: "Victor Hale", Role.CLIENT_OWNER: "Rachel Stein",
    Role.CLIENT_MEMBER: "Tom Becker",
}


def demo_email(slug: str, role: str) -> str:
    return f"{role.replace('_', '-')}@{slug}.test"


def _user_get_or_create(email: str, full_name: str, **flags) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = user_create(email=email, password=DEMO_PASSWORD, full_name=full_name, validate=False)
    if flags:
        for name, value in flags.items():
            setattr(user, name, value)
        user.save(update_fields=list(flags))
    return user, True


def seed_demo(progress: Callable[[str], None] = print) -> list[dict]:
    """Create what is missing of the demo; return one row per sign-in for printing."""
    _user_get_or_create(PLATFORM_ADMIN_EMAIL, "Platform Admin", is_staff=True,
                        is_superuser=True)
    sign_ins: list[dict] = [{"firm": "(platform)", "slug": None, "role": "Platform admin",
                             "email": PLATFORM_ADMIN_EMAIL}]
    # The template schema is migrated by the owner role, which cannot be switched to
    # inside the per-firm transactions below (advisoros/db_roles.py): bring it up to date
    # first, as a fresh `make run` has none yet.
    template_schema_ensure()
    for index, demo in enumerate(DEMO_FIRMS, start=1):
        progress(f"[{index}/{len(DEMO_FIRMS)}] {demo.name}")
        with transaction.atomic():
            owner, _ = _user_get_or_create(demo_email(demo.slug, Role.OWNER),
                                           demo.owner_name or DEMO_PEOPLE[Role.OWNER])
            firm = Firm.objects.filter(slug=demo.slug).first()
            if firm is None:
                firm = firm_create(name=demo.name, slug=demo.slug, owner=owner,
                                   plan=demo.plan).firm
                progress("    created the firm and its schema")
            for role in demo.roles:
                name = demo.owner_name if role == Role.OWNER and demo.owner_name else \
                    DEMO_PEOPLE[role]
                user, _created = _user_get_or_create(demo_email(demo.slug, role), name)
                if not Membership.objects.filter(user=user, firm=firm).exists():
                    membership_create(user=user, firm=firm, role=role)
                sign_ins.append({"firm": demo.name, "slug": demo.slug,
                                 "role": Role(role).label, "email": user.email})
            progress(f"    {len(demo.roles)} people, one per role")
    return sign_ins
