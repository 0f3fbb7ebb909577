"""What the load scenarios need in the database: seed-scale data, load-test users, and
ready-made signed-in sessions (so scenarios measure pages, not Argon2 and TOTP).

Everything here is idempotent: a second `bench_all` reuses the data and users.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command, get_commands
from django.db import connection
from django_tenants.utils import schema_context

LOAD_CLIENT_USERS = 20


@dataclass(frozen=True)
class SeedSize:
    firms: int
    clients: int
    big_firm_clients: int
    advisors: int


SIZES = {
    # The seed scale of DESIGN.md.
    "full": SeedSize(firms=51, clients=100_000, big_firm_clients=50_000, advisors=15_000),
    # Minutes, not tens of minutes: for trying the harness out.
    "small": SeedSize(firms=3, clients=3_000, big_firm_clients=2_000, advisors=2_000),
    # The seed 004 mix alone: a firm of 5,000 clients to spread dashboards, invoices and
    # uploads over, in a few minutes of seeding.
    "mix": SeedSize(firms=3, clients=6_000, big_firm_clients=5_000, advisors=500),
}


def ensure_seed(size: SeedSize, progress: Callable[[str], None]) -> list[str]:
    """Run the seed commands that exist; returns notes about the ones that do not."""
    notes = []
    commands = get_commands()
    if "seed_scale" in commands:
        progress(f"seed_scale: {size.clients:,} clients over {size.firms} firms (skips firms "
                 "that exist)")
        call_command("seed_scale", firms=size.firms, clients=size.clients,
                     big_firm_clients=size.big_firm_clients, stdout=_Progress(progress))
    else:
        notes.append("seed_scale does not exist yet: portal scenarios have no data")
    if "seed_marketplace" in commands:
        progress(f"seed_marketplace: {size.advisors:,} advisors (keeps existing ones)")
        call_command("seed_marketplace", advisors=size.advisors, stdout=_Progress(progress))
    else:
        notes.append("seed_marketplace does not exist yet: marketplace scenarios have no data")
    connection.set_schema_to_public()
    return notes


class _Progress:
    """A stdout for call_command that forwards lines as progress."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress

    def write(self, text: str) -> None:
        for line in text.rstrip().splitlines():
            self.progress("    " + line)

    def flush(self) -> None:
        pass


def _session_for(user, *, mfa: bool) -> str:
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["auth_at"] = session["last_seen"] = time.time()
    if mfa:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
            TOTPDevice.objects.create(user=user, name="Load test", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.set_expiry(settings.SESSION_COOKIE_AGE)
    session.create()
    return session.session_key


def load_fixtures(base_domain: str, progress: Callable[[str], None]) -> dict:
    """Users, sessions and sample ids for the locust scenarios (see loadtest/)."""
    from apps.accounts.models import Membership, User
    from apps.accounts.roles import Role
    from apps.accounts.services import membership_create, user_create
    from apps.firms.models import Firm

    fixtures: dict = {"public_host": base_domain, "firm_host": None, "client_sessions": [],
                      "staff_session": None, "advisor_ids": [], "industries": [],
                      "services": []}
    try:
        from apps.marketplace.selectors import advisors_listed
        from apps.marketplace.vocabulary import Industry, Service

        # Listed advisors only: an unlisted profile is a 404 by design, not an error.
        fixtures["advisor_ids"] = list(advisors_listed().order_by("?")
                                       .values_list("pk", flat=True)[:500])
        fixtures["industries"] = [c.value for c in Industry]
        fixtures["services"] = [c.value for c in Service]
    except ImportError:
        pass

    firm = Firm.objects.filter(slug__endswith="-big").order_by("pk").first()
    if firm is None:
        return fixtures
    fixtures["firm_host"] = f"{firm.slug}.{base_domain}"
    owner = Membership.objects.filter(firm=firm, role=Role.OWNER).select_related("user").first()
    if owner is not None:
        fixtures["staff_session"] = _session_for(owner.user, mfa=True)
    from apps.portal.models import Client
    from apps.portal.services import client_access_grant

    with schema_context(firm.schema_name):
        client_ids = list(Client.objects.order_by("pk").values_list("pk", flat=True)
                          [:LOAD_CLIENT_USERS])
        for index, client_id in enumerate(client_ids):
            email = f"load-client-{index}@{firm.slug}.test"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=None, full_name=f"Load client {index}",
                                   validate=False)
                membership_create(user=user, firm=firm, role=Role.CLIENT_OWNER)
            client_access_grant(client=Client.objects.get(pk=client_id), user=user)
            fixtures["client_sessions"].append(
                {"session": _session_for(user, mfa=firm.mfa_required_for_clients),
                 "client_id": client_id})
    connection.set_schema_to_public()
    progress(f"load users: {len(fixtures['client_sessions'])} client sessions in {firm.slug}, "
             f"staff session {'yes' if fixtures['staff_session'] else 'no'}, "
             f"{len(fixtures['advisor_ids'])} advisor ids")
    return fixtures
