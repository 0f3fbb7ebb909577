"""Shared fixtures: two firms with a user for every role, created once per test session.

Firms are made with the real `firm_create` service (schema cloned from the template) and
committed, so Celery workers and other connections see them. Each test still runs in a
transaction (pytest-django's `db`), so what a test writes is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import membership_create, user_create
from apps.firms.models import Firm
from apps.firms.selectors import firm_host
from apps.firms.services import firm_create

PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class FirmWorld:
    """A firm and one active user per role, for tests to sign in as."""

    firm: Firm
    users: dict[str, User] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return firm_host(self.firm.slug)

    def user(self, role: str) -> User:
        """A fresh copy from the database: tests may change it without leaking the change
        (in memory) into later tests, whose database changes are rolled back."""
        return User.objects.get(pk=self.users[role].pk)

    def client(self, role: str | None = None) -> Client:
        """A test client on this firm's host, signed in as the user with `role` (and past
        two-step sign-in, with the user's real authenticator device)."""
        client = Client(HTTP_HOST=self.host)
        if role is not None:
            sign_in(client, self.user(role))
        return client

    def api_client(self, role: str, *, scopes=None, name: str = "Integration",
                   expires_in_days: int = 1) -> Client:
        """A test client on this firm's host sending a new API key made by the user with
        `role` (with all of that role's permissions unless `scopes` names fewer). The key's
        row is `client.api_key`, for tests that revoke or rescope it."""
        from apps.accounts.roles import ROLE_PERMISSIONS
        from apps.security.api_keys import api_key_create

        created = api_key_create(firm=self.firm, created_by=self.user(role), name=name,
                                 scopes=sorted(ROLE_PERMISSIONS[role]) if scopes is None
                                 else scopes, expires_in_days=expires_in_days)
        client = Client(HTTP_HOST=self.host, HTTP_AUTHORIZATION=f"Api-Key {created.plaintext}")
        client.api_key = created.key
        return client


def sign_in(client: Client, user: User, *, mfa: bool = True) -> Client:
    """Sign `client` in as `user`; with `mfa`, as having passed two-step sign-in on the
    user's authenticator (created on first use), as a real sign-in would."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    if mfa:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
            TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_firm_world(slug: str, name: str) -> FirmWorld:
    owner = user_create(email=f"owner@{slug}.test", password=PASSWORD, full_name=f"{name} Owner",
                        validate=False)
    created = firm_create(name=name, slug=slug, owner=owner)
    world = FirmWorld(firm=created.firm, users={Role.OWNER: owner})
    for role in Role:
        if role == Role.OWNER:
            continue
        user = user_create(email=f"{role.value.replace('_', '-')}@{slug}.test",
                           password=PASSWORD, full_name=f"{role.label} of {name}",
                           validate=False)
        membership_create(user=user, firm=created.firm, role=role)
        world.users[role] = user
    return world


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """The test database is created and migrated by the owner role, as in a deploy."""
    from advisoros.db_roles import connection_use_role

    connection_use_role("migrate")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Then every test runs as the application's role, which owns nothing and cannot
    change the audit trail (advisoros/db_roles.py); the owner drops the database."""
    from advisoros.db_roles import app_role_name, connection_use_role, roles_are_separate
    from apps.firms.template_schema import template_schema_ensure

    with django_db_blocker.unblock():
        # Firms are cloned from the template; tests that create one inside their
        # transaction could not migrate it there (the owner's work, on another role).
        template_schema_ensure()
        connection.set_schema_to_public()
    if roles_are_separate():
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            # Scratch objects some tests create in public (a materialized view); the
            # audit guarantees do not depend on it (the owner's tables stay the owner's).
            cursor.execute(f'GRANT CREATE ON SCHEMA public TO "{app_role_name()}"')
    connection_use_role("app")
    yield
    connection_use_role("migrate")


@pytest.fixture(scope="session")
def _two_firms(django_db_setup, django_db_blocker) -> tuple[FirmWorld, FirmWorld]:
    with django_db_blocker.unblock():
        worlds = (make_firm_world("alpha-cpa", "Alpha CPA"),
                  make_firm_world("beta-tax", "Beta Tax Partners"))
        connection.set_schema_to_public()
    return worlds


@pytest.fixture
def firm_a(_two_firms, db) -> FirmWorld:
    return _two_firms[0]


@pytest.fixture
def firm_b(_two_firms, db) -> FirmWorld:
    return _two_firms[1]


@pytest.fixture
def in_firm_a(firm_a) -> Iterator[FirmWorld]:
    """Run the test body in firm A's schema (as a request or a task would)."""
    connection.set_tenant(firm_a.firm)
    yield firm_a
    connection.set_schema_to_public()


@pytest.fixture
def in_firm_b(firm_b) -> Iterator[FirmWorld]:
    connection.set_tenant(firm_b.firm)
    yield firm_b
    connection.set_schema_to_public()


@pytest.fixture
def public_client() -> Client:
    return Client(HTTP_HOST=settings.BASE_DOMAIN)


@pytest.fixture(autouse=True)
def _clean_redis_and_schema() -> Iterator[None]:
    """Every test starts with empty test caches and ends back in the public schema."""
    from django_redis import get_redis_connection

    from apps.firms.selectors import firm_host_local_forget

    for alias in ("default", "public"):
        get_redis_connection(alias).flushdb()
    firm_host_local_forget()
    yield
    connection.set_schema_to_public()


# A real in-process SMTP server for tests that count delivered mail (tests/mail.py).
from tests.mail import outbox, smtp_server  # noqa: E402, F401
