from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.observability.store import read_totals
from tests.conftest import PASSWORD, sign_in


@pytest.fixture
def staff_user(db) -> User:
    user = user_create(email="ops@platform.test", password=PASSWORD, full_name="Ops Person",
                       validate=False)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def staff_client(staff_user) -> Client:
    return sign_in(Client(HTTP_HOST=settings.BASE_DOMAIN), staff_user)


@pytest.fixture
def request_totals():
    """The running request totals in Redis, as {(route, firm, kind): value}."""
    def read() -> dict[tuple[str, str, str], int]:
        return {tuple(name.split("\x1f")): value for name, value in read_totals("req").items()}
    return read
