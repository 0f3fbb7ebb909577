"""Date-time filters of the API answer any ISO value with a result or a 400 naming the
parameter: offsets PostgreSQL cannot store (-17:00, +16:00, +23:59) and instants that do
not exist in UTC used to be a DataError (500)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_client(firm_a) -> Client:
    return firm_a.api_client(Role.OWNER, name="siem")


@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize("offset", ["-17:00", "+16:00", "+23:59", "-23:59"])
def test_offsets_postgres_cannot_store_are_converted_to_utc(audit_client, parameter, offset):
    response = audit_client.get("/api/v1/audit-events/",
                                {parameter: f"2020-01-01T00:00:00{offset}"})

    assert response.status_code == 200
    assert "results" in response.json()


def test_the_offset_is_honoured_not_dropped(audit_client, firm_a):
    # Every event of the test firm is recent: "since 9000 (UTC-17)" finds none, "until
    # 9000 (UTC+23:59)" finds all of them.
    assert audit_client.get("/api/v1/audit-events/",
                            {"since": "9000-01-01T00:00:00-17:00"}).json()["results"] == []
    everything = audit_client.get("/api/v1/audit-events/").json()["results"]
    assert audit_client.get("/api/v1/audit-events/",
                            {"until": "9000-01-01T00:00:00+23:59"}).json()["results"] == everything


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_instant_outside_the_utc_calendar_is_a_400_naming_the_parameter(audit_client, value):
    response = audit_client.get("/api/v1/audit-events/", {"since": value})

    assert response.status_code == 400
    assert list(response.json()) == ["since"]


@pytest.mark.parametrize("value", ["yesterday", "2020-13-01T00:00:00", "\x00", "1e309"])
def test_malformed_date_times_are_a_400(audit_client, value):
    response = audit_client.get("/api/v1/audit-events/", {"until": value})

    assert response.status_code == 400
    assert "until" in response.json()
