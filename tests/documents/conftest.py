"""Documents fixtures: files stored in a temporary folder, tests inside firm A's schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.documents import samples


@pytest.fixture(autouse=True)
def documents_storage(settings, tmp_path) -> Iterator:
    """Every test stores documents under its own temporary folder."""
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None}}}
    yield tmp_path / "documents"


@pytest.fixture
def client_a(in_firm_a):
    """A client of firm A with the client-owner user given access."""
    from tests.portal.factories import give_access, make_client

    client = make_client(business_name="Maple Bakery LLC")
    give_access(in_firm_a.user("client_owner"), client)
    return client


@pytest.fixture
def files():
    return samples
