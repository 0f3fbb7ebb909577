"""Marketplace pages on the public site."""

from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.marketplace.models import AdvisorProfile
from tests.conftest import sign_in
from tests.marketplace.factories import make_advisor

pytestmark = pytest.mark.django_db


def test_search_page_lists_advisors_and_pages_on(public_client):
    for i in range(21):
        make_advisor(name=f"Person {i:02d}", embed=False)

    body = public_client.get("/marketplace/").content.decode()

    assert body.count('class="advisor-card"') == 20 and "Next page" in body
    assert "marketplace.css" in body


def test_search_page_empty_state_says_what_to_do(public_client):
    body = public_client.get("/marketplace/", {"industries": "energy"}).content.decode()

    assert "No advisor matches these filters" in body and "Remove a filter" in body


def test_detail_page_offers_requests_from_the_users_firms(firm_a, public_client):
    advisor = make_advisor(name="Kim Forecast", bio="Thirteen-week cash flow.")
    manager = Client(HTTP_HOST="localhost")
    manager.force_login(firm_a.user(Role.MANAGER))

    anonymous = public_client.get(f"/marketplace/advisors/{advisor.id}/").content.decode()
    signed_in = manager.get(f"/marketplace/advisors/{advisor.id}/").content.decode()

    assert "Kim Forecast" in anonymous and "Thirteen-week" in anonymous
    assert "Sign in" in anonymous and "No reviews yet" in anonymous
    assert f"alpha-cpa.localhost/marketplace/request/{advisor.id}/" in signed_in


def test_profile_page_creates_a_pending_profile_and_shows_inline_errors(firm_a):
    client = Client(HTTP_HOST="localhost")
    client.force_login(firm_a.user(Role.ADVISOR))
    form = {"professional_title": "Fractional CFO", "headline": "SaaS finance",
            "bio": "Board packs.", "years_experience": "9", "industries": ["saas"],
            "services": ["fpa"], "company_sizes": ["small"], "certifications": ["CPA"],
            "hourly_rate": "190", "monthly_retainer_min": "2000", "max_clients": "4",
            "availability": "immediate"}

    assert client.get("/marketplace/profile/").status_code == 200
    bad = client.post("/marketplace/profile/", {**form, "hourly_rate": "-3", "headline": ""})
    good = client.post("/marketplace/profile/", form)

    assert bad.status_code == 400 and bad.content.decode().count('class="errorlist"') >= 2
    assert good.status_code == 302
    profile = AdvisorProfile.objects.get(user=firm_a.user(Role.ADVISOR))
    assert (profile.status, profile.is_verified, profile.hourly_rate) == (
        "pending", False, Decimal("190.00"))


def test_profile_page_requires_sign_in(public_client):
    response = public_client.get("/marketplace/profile/")

    assert response.status_code == 302 and "sign-in" in response.headers["Location"]


def test_platform_staff_verify_and_activate_in_the_admin(public_client):
    from apps.accounts.models import User

    staff = User.objects.create_superuser(email="ops@advisoros.test", password=None)
    pending = make_advisor(status="pending", is_verified=False, embed=False)
    sign_in(public_client, staff)

    response = public_client.post("/admin/marketplace/advisorprofile/", {
        "action": "verify_and_activate", "_selected_action": [pending.id]})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.is_verified) == ("active", True)
    assert pending.verified_at is not None
