"""Reviews: one per delivered engagement, by the firm's client side; the rating is kept
exact under concurrent reviews."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.accounts.roles import Role
from apps.marketplace.models import AdvisorReview, MarketplaceEngagement
from apps.marketplace.reviews import review_create, review_set_published
from tests.marketplace.factories import (
    completed_engagement_with_review,
    make_advisor,
    make_engagement,
    make_firm_client,
)

REVIEW = {"nps": 9, "overall_rating": 4, "engagement_rating": 5, "responsiveness_rating": 4,
          "text": "Clear monthly reporting."}


@pytest.mark.django_db
def test_the_rating_is_the_average_of_published_reviews(firm_a):
    advisor = make_advisor(overall_rating=Decimal("0"), total_reviews=0, rating_sum=0)
    for rating in (5, 4, 4):
        completed_engagement_with_review(firm_a, advisor, rating=rating)

    advisor.refresh_from_db()
    assert (advisor.total_reviews, advisor.rating_sum, advisor.overall_rating) == (
        3, 13, Decimal("4.33"))


@pytest.mark.django_db
def test_hiding_a_review_takes_it_out_of_the_rating_and_the_page(firm_a, public_client):
    advisor = make_advisor(overall_rating=Decimal("0"), total_reviews=0, rating_sum=0)
    kept = completed_engagement_with_review(firm_a, advisor, rating=5)
    hidden = completed_engagement_with_review(firm_a, advisor, rating=1)

    review_set_published(review=hidden, published=False)

    advisor.refresh_from_db()
    assert (advisor.total_reviews, advisor.overall_rating) == (1, Decimal("5.00"))
    shown = public_client.get(f"/api/v1/marketplace/advisors/{advisor.id}/").json()
    assert [r["id"] for r in shown["latest_reviews"]] == [kept.id]
    review_set_published(review=kept, published=False)
    advisor.refresh_from_db()
    assert (advisor.total_reviews, advisor.overall_rating) == (0, Decimal("0"))


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "role", "message"), [
    ("active", Role.CLIENT_MEMBER, "completed"),
    ("completed", Role.OWNER, "client"),
    ("completed", Role.MANAGER, "client"),
])
def test_only_the_client_side_reviews_only_completed_engagements(firm_a, status, role, message):
    engagement = make_engagement(firm=firm_a.firm, advisor=make_advisor(),
                                 requested_by=firm_a.user(Role.OWNER), status=status)

    with pytest.raises(ValidationError, match=message):
        review_create(engagement=engagement, author=firm_a.user(role), **REVIEW)
    assert not AdvisorReview.objects.exists()


@pytest.mark.django_db
def test_a_client_user_cannot_review_another_company_of_the_same_firm(firm_a):
    from django_tenants.utils import schema_context

    from apps.portal.models import Client

    with schema_context(firm_a.firm.schema_name):
        hidden = Client.objects.create(business_name="Secret Other Corp").pk
    engagement = make_engagement(firm=firm_a.firm, advisor=make_advisor(), client_id=hidden,
                                 requested_by=firm_a.user(Role.OWNER), status="completed")
    client = firm_a.client(Role.CLIENT_MEMBER)
    url = f"/marketplace/engagements/{engagement.id}/review/"

    page = client.get(url)
    posted = client.post(url, {"overall_rating": "1", "engagement_rating": "1",
                               "responsiveness_rating": "1", "nps": "0"})
    api = client.post(f"/api/v1/marketplace/engagements/{engagement.id}/review/", REVIEW,
                      content_type="application/json")

    assert (page.status_code, posted.status_code, api.status_code) == (404, 404, 404)
    assert "Secret Other Corp" not in page.content.decode()
    with pytest.raises(ValidationError):
        review_create(engagement=engagement, author=firm_a.user(Role.CLIENT_MEMBER), **REVIEW)
    assert not AdvisorReview.objects.exists()


@pytest.mark.django_db
def test_a_client_of_another_firm_cannot_review(firm_a, firm_b):
    engagement = make_engagement(firm=firm_a.firm, advisor=make_advisor(),
                                 requested_by=firm_a.user(Role.OWNER), status="completed")

    with pytest.raises(ValidationError):
        review_create(engagement=engagement, author=firm_b.user(Role.CLIENT_OWNER), **REVIEW)


@pytest.mark.django_db
def test_one_review_per_engagement(firm_a):
    engagement = make_engagement(firm=firm_a.firm, advisor=make_advisor(),
                                 requested_by=firm_a.user(Role.OWNER), status="completed")
    review_create(engagement=engagement, author=firm_a.user(Role.CLIENT_MEMBER), **REVIEW)

    with pytest.raises(ValidationError, match="already"):
        review_create(engagement=engagement, author=firm_a.user(Role.CLIENT_OWNER), **REVIEW)


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"nps": 11}, "nps"), ({"overall_rating": 0}, "overall_rating"),
    ({"engagement_rating": "five"}, "engagement_rating"),
    ({"responsiveness_rating": -2}, "responsiveness_rating"),
    ({"text": "t" * 10_240}, "text"), ({"text": "nul\x00"}, "text"),
])
def test_review_api_rejects_bad_input_with_field_messages(firm_a, overrides, field):
    engagement = make_engagement(firm=firm_a.firm, advisor=make_advisor(),
                                 requested_by=firm_a.user(Role.OWNER), status="completed")

    response = firm_a.client(Role.CLIENT_MEMBER).post(
        f"/api/v1/marketplace/engagements/{engagement.id}/review/", {**REVIEW, **overrides},
        content_type="application/json")

    assert response.status_code == 400 and field in response.json()
    assert not AdvisorReview.objects.exists()


@pytest.mark.django_db
def test_review_page_publishes_a_review(firm_a):
    engagement = make_engagement(firm=firm_a.firm, advisor=make_advisor(),
                                 requested_by=firm_a.user(Role.OWNER), status="completed")
    client = firm_a.client(Role.CLIENT_OWNER)
    url = f"/marketplace/engagements/{engagement.id}/review/"

    assert client.get(url).status_code == 200
    response = client.post(url, {"overall_rating": "5", "engagement_rating": "5",
                                 "responsiveness_rating": "4", "nps": "10", "text": "Great."})

    assert response.status_code == 302
    assert AdvisorReview.objects.get().overall_rating == 5


def test_concurrent_reviews_of_one_advisor_all_count(_two_firms, django_db_blocker):
    """Eight reviews committed at once from eight connections: none is lost."""
    world = _two_firms[0]
    ratings = [5, 4, 3, 5, 2, 4, 5, 1]
    with django_db_blocker.unblock():
        advisor = make_advisor(overall_rating=Decimal("0"), total_reviews=0, rating_sum=0)
        client_id = make_firm_client(world.firm, "Concurrent Reviews Co")
        engagements = [make_engagement(firm=world.firm, advisor=advisor, client_id=client_id,
                                       requested_by=world.user(Role.OWNER), status="completed")
                       for _ in ratings]
        barrier = threading.Barrier(len(ratings))
        errors: list[Exception] = []

        def write(engagement: MarketplaceEngagement, rating: int) -> None:
            try:
                barrier.wait()
                review_create(engagement=engagement, author=world.user(Role.CLIENT_MEMBER),
                              **{**REVIEW, "overall_rating": rating})
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=write, args=pair)
                   for pair in zip(engagements, ratings, strict=True)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            advisor.refresh_from_db()
            assert errors == []
            assert (advisor.total_reviews, advisor.rating_sum, advisor.overall_rating) == (
                8, 29, Decimal("3.63"))
        finally:
            AdvisorReview.objects.filter(advisor=advisor).delete()
            MarketplaceEngagement.objects.filter(advisor=advisor).delete()
            from django_tenants.utils import schema_context

            from apps.portal.models import Client, ClientAccess

            with schema_context(world.firm.schema_name):
                ClientAccess.objects.filter(client_id=client_id).delete()
                Client.objects.filter(pk=client_id).delete()
            user = advisor.user
            advisor.delete()
            user.delete()
