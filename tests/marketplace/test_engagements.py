"""Requesting an advisor (firm host) and the advisor's accept / decline / deliver flow."""

from decimal import Decimal

import pytest

from apps.accounts.roles import Role
from apps.marketplace.models import AdvisorProfile, MarketplaceEngagement
from tests.marketplace.factories import make_advisor, make_engagement

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace/engagements/"


def _firm_client(world, name: str = "Acme Widgets") -> int:
    from django_tenants.utils import schema_context

    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        return make_client(business_name=name).pk


def _payload(profile, client_id: int = 42, **overrides) -> dict:
    data = {"advisor": profile.id, "client_id": client_id, "client_name": "Acme Widgets",
            "agreed_rate": "4500.00", "message": "Monthly close and board pack."}
    data.update(overrides)
    return data


def test_a_manager_requests_an_advisor_for_a_client(firm_a):
    advisor = make_advisor()

    client_id = _firm_client(firm_a, "Acme Widgets LLC")

    response = firm_a.client(Role.MANAGER).post(API, _payload(advisor, client_id),
                                                content_type="application/json")

    assert response.status_code == 201, response.content
    engagement = MarketplaceEngagement.objects.get(pk=response.json()["id"])
    assert (engagement.firm, engagement.advisor, engagement.client_id, engagement.client_name,
            engagement.agreed_rate, engagement.status, engagement.requested_by) == (
        firm_a.firm, advisor, client_id, "Acme Widgets LLC", Decimal("4500.00"), "requested",
        firm_a.user(Role.MANAGER))


def test_a_client_of_another_firm_or_no_client_is_refused(firm_a, firm_b):
    advisor = make_advisor()
    other_firms_client = _firm_client(firm_b)

    for client_id in (other_firms_client + 10_000, 999_999):
        response = firm_a.client(Role.OWNER).post(API, _payload(advisor, client_id),
                                                  content_type="application/json")
        assert response.status_code == 400
        assert response.json()["client_id"] == ["This firm has no client with that number."]
    assert not MarketplaceEngagement.objects.exists()


@pytest.mark.parametrize("role", [Role.STAFF_ACCOUNTANT, Role.CLIENT_OWNER, Role.AUDITOR])
def test_roles_without_the_permission_cannot_request(firm_a, role):
    advisor = make_advisor()

    response = firm_a.client(role).post(API, _payload(advisor), content_type="application/json")

    assert response.status_code == 403
    assert not MarketplaceEngagement.objects.exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"agreed_rate": "-1"}, "agreed_rate"),
    ({"client_name": "x" * 10_240}, "client_name"),
    ({"client_name": "Acme\x00"}, "client_name"),
    ({"client_id": -3}, "client_id"),
    ({"advisor": 10**9}, "advisor"),
    ({"message": "m" * 10_240}, "message"),
])
def test_bad_requests_are_400_and_store_nothing(firm_a, overrides, field):
    advisor = make_advisor()

    payload = {**_payload(advisor, _firm_client(firm_a)), **overrides}
    response = firm_a.client(Role.OWNER).post(API, payload, content_type="application/json")

    assert response.status_code == 400 and field in response.json()
    assert not MarketplaceEngagement.objects.exists()


def test_a_fully_booked_advisor_cannot_be_requested(firm_a):
    advisor = make_advisor(current_clients=3, max_clients=3)

    response = firm_a.client(Role.OWNER).post(API, _payload(advisor, _firm_client(firm_a)),
                                              content_type="application/json")

    assert response.status_code == 400 and "advisor" in response.json()


def test_the_firm_list_runs_a_fixed_number_of_queries(firm_a, firm_b, assert_data_queries):
    client = firm_a.client(Role.OWNER)
    client.get(API)  # warm the permission cache and the session
    make_engagement(firm=firm_a.firm, advisor=make_advisor(), requested_by=firm_a.user("owner"))
    make_engagement(firm=firm_b.firm, advisor=make_advisor(), requested_by=firm_b.user("owner"))
    # The session, the signed-in user and its MFA devices come from caches
    # (apps/accounts/backends.py, apps/security/mfa_devices.py).
    with assert_data_queries(1):  # engagements with advisor and review
        assert len(client.get(API).json()["results"]) == 1
    for _ in range(5):
        make_engagement(firm=firm_a.firm, advisor=make_advisor(embed=False),
                        requested_by=firm_a.user("owner"))
    with assert_data_queries(1):
        assert len(client.get(API).json()["results"]) == 6


def test_the_request_page_creates_an_engagement_and_shows_form_errors(firm_a):
    advisor = make_advisor(name="Robin Ledger")
    client = firm_a.client(Role.PARTNER)

    page = client.get(f"/marketplace/request/{advisor.id}/")
    bad = client.post(f"/marketplace/request/{advisor.id}/",
                      {"client_id": "1", "client_name": "", "agreed_rate": "-5"})
    good = client.post(f"/marketplace/request/{advisor.id}/",
                       {"client_id": str(_firm_client(firm_a, "Blue Bakery")),
                        "agreed_rate": "3000"})

    assert page.status_code == 200 and "Robin Ledger" in page.content.decode()
    assert bad.status_code == 400 and "errorlist" in bad.content.decode()
    assert good.status_code == 302
    assert "Blue Bakery" in client.get("/marketplace/").content.decode()


def test_staff_pick_the_client_by_name_from_the_firms_live_clients(firm_a):
    advisor = make_advisor(name="Robin Ledger")
    bakery = _firm_client(firm_a, "Blue Bakery")
    client = firm_a.client(Role.MANAGER)

    page = client.get(f"/marketplace/request/{advisor.id}/?client={bakery}").content.decode()

    assert "Client number" not in page
    assert f'<option value="{bakery}" selected>Blue Bakery</option>' in page


def test_advisor_accepts_starts_and_completes_and_capacity_follows(firm_a):
    advisor = make_advisor(current_clients=0, max_clients=1)
    advisor_client = firm_a.client()
    advisor_client.force_login(advisor.user)
    from django.test import Client

    public = Client(HTTP_HOST="localhost")
    public.force_login(advisor.user)
    first = make_engagement(firm=firm_a.firm, advisor=advisor, requested_by=firm_a.user("owner"))
    second = make_engagement(firm=firm_a.firm, advisor=advisor,
                             requested_by=firm_a.user("owner"))
    act = "/api/v1/marketplace/my/engagements/{}/{}/"

    assert public.post(act.format(first.id, "accept")).json()["status"] == "accepted"
    full = public.post(act.format(second.id, "accept"))
    assert full.status_code == 400 and "status" in full.json()
    assert public.post(act.format(second.id, "decline")).json()["status"] == "declined"
    assert public.post(act.format(first.id, "start")).json()["status"] == "active"
    assert public.post(act.format(first.id, "complete")).json()["status"] == "completed"
    assert AdvisorProfile.objects.get(pk=advisor.pk).current_clients == 0
    assert public.post(act.format(first.id, "start")).status_code == 400


def test_another_advisor_cannot_act_on_the_engagement(firm_a):
    from django.test import Client

    advisor = make_advisor()
    intruder = make_advisor()
    engagement = make_engagement(firm=firm_a.firm, advisor=advisor,
                                 requested_by=firm_a.user("owner"))
    public = Client(HTTP_HOST="localhost")
    public.force_login(intruder.user)

    response = public.post(f"/api/v1/marketplace/my/engagements/{engagement.id}/accept/")

    assert response.status_code == 404
    assert MarketplaceEngagement.objects.get(pk=engagement.pk).status == "requested"


def test_inbox_page_lists_requests_with_actions(firm_a):
    from django.test import Client

    advisor = make_advisor()
    make_engagement(firm=firm_a.firm, advisor=advisor, requested_by=firm_a.user("owner"),
                    client_name="Green Grocers")
    public = Client(HTTP_HOST="localhost")
    public.force_login(advisor.user)

    body = public.get("/marketplace/inbox/").content.decode()
    empty = Client(HTTP_HOST="localhost")
    empty.force_login(firm_a.user("bookkeeper"))

    assert "Green Grocers" in body and "Accept" in body
    assert "Create your advisor profile" in empty.get("/marketplace/inbox/").content.decode()


def test_a_client_owner_requests_an_advisor_for_their_own_company_only(firm_a):
    from tests.portal.factories import give_access

    advisor = make_advisor(name="Robin Ledger")
    own = _firm_client(firm_a, "Rachel's Roastery")
    other = _firm_client(firm_a, "Someone Else Inc")
    from django_tenants.utils import schema_context

    from apps.portal.models import Client

    with schema_context(firm_a.firm.schema_name):
        give_access(firm_a.user(Role.CLIENT_OWNER), Client.objects.get(pk=own))
    client = firm_a.client(Role.CLIENT_OWNER)

    page = client.get(f"/marketplace/request/{advisor.id}/")
    refused = client.post(f"/marketplace/request/{advisor.id}/",
                          {"client_id": str(other), "agreed_rate": "3000"})
    api_refused = client.post(API, _payload(advisor, other), content_type="application/json")
    done = client.post(f"/marketplace/request/{advisor.id}/",
                       {"client_id": str(own), "agreed_rate": "3000"})

    assert "Rachel&#x27;s Roastery" in page.content.decode()
    assert "Someone Else Inc" not in page.content.decode()
    assert refused.status_code == 400
    assert api_refused.status_code in (400, 403)
    assert done.status_code == 302 and done.headers["Location"] == "/portal/"
    engagement = MarketplaceEngagement.objects.get()
    assert (engagement.client_id, engagement.client_name, engagement.requested_by) == (
        own, "Rachel's Roastery", firm_a.user(Role.CLIENT_OWNER))
    # The firm's list of engagements stays staff-only.
    assert client.get("/marketplace/").status_code == 403


def test_a_client_member_cannot_request(firm_a):
    advisor = make_advisor()

    response = firm_a.client(Role.CLIENT_MEMBER).get(f"/marketplace/request/{advisor.id}/")

    assert response.status_code == 403
