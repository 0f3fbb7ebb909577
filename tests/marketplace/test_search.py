"""Advisor search: one engine behind the page and GET /api/v1/marketplace/advisors/."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.marketplace.cache import cache_stats
from apps.marketplace.services import advisor_profile_moderate
from tests.marketplace.factories import completed_engagement_with_review, make_advisor

pytestmark = pytest.mark.django_db

URL = "/api/v1/marketplace/advisors/"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_only_active_verified_not_deleted_advisors_are_listed(api):
    listed = make_advisor()
    make_advisor(status="pending")
    make_advisor(status="suspended")
    make_advisor(is_verified=False)
    make_advisor(deleted_at=timezone.now())

    assert _ids(api.get(URL)) == [listed.id]


def test_list_rows_carry_list_fields_only(api):
    make_advisor(bio="A long biography that only the detail page shows.")

    row = api.get(URL).json()["results"][0]

    assert "bio" not in row and "embedding" not in row
    assert row["hourly_rate"] == "200.00" and row["has_capacity"] is True
    assert set(row) >= {"id", "name", "professional_title", "headline", "industries",
                        "services", "overall_rating", "total_reviews", "years_experience"}


def test_filters_combine(api):
    saas_cheap = make_advisor(industries=["saas"], services=["fpa"], hourly_rate=Decimal("150"),
                              overall_rating=Decimal("4.80"))
    make_advisor(industries=["saas"], services=["fpa"], hourly_rate=Decimal("400"),
                 overall_rating=Decimal("4.90"))
    make_advisor(industries=["retail"], services=["fpa"], hourly_rate=Decimal("120"),
                 overall_rating=Decimal("4.90"))
    make_advisor(industries=["saas"], services=["tax_strategy"], hourly_rate=Decimal("100"),
                 overall_rating=Decimal("4.90"))
    make_advisor(industries=["saas"], services=["fpa"], hourly_rate=Decimal("100"),
                 overall_rating=Decimal("3.90"))

    response = api.get(URL, {"industries": "saas,fintech", "services": "fpa",
                             "min_rating": "4.5", "max_rate": "200"})

    assert _ids(response) == [saas_cheap.id]


def test_availability_filter_uses_current_below_max(api):
    free = make_advisor(current_clients=2, max_clients=3)
    make_advisor(current_clients=3, max_clients=3)

    assert _ids(api.get(URL, {"available": "true"})) == [free.id]


def test_free_text_query_searches_title_headline_and_bio(api):
    by_bio = make_advisor(bio="Specialist in ASC 606 revenue recognition.")
    by_headline = make_advisor(headline="Revenue recognition clean-ups")
    make_advisor(bio="Inventory costing for manufacturers.")

    assert set(_ids(api.get(URL, {"q": "revenue recognition"}))) == {by_bio.id, by_headline.id}


@pytest.mark.parametrize(("sort", "field", "values", "expected_order"), [
    ("rating", "overall_rating", [Decimal("4.1"), Decimal("4.9"), Decimal("3.0")], [1, 0, 2]),
    ("experience", "years_experience", [5, 30, 12], [1, 2, 0]),
    ("price", "hourly_rate", [Decimal("300"), Decimal("90"), Decimal("150")], [1, 2, 0]),
    ("reviews", "total_reviews", [7, 2, 40], [2, 0, 1]),
])
def test_sorts(api, sort, field, values, expected_order):
    advisors = [make_advisor(**{field: value}) for value in values]

    assert _ids(api.get(URL, {"sort": sort})) == [advisors[i].id for i in expected_order]


def test_cursor_pagination_walks_every_advisor_once_with_ties(api):
    # Equal ratings force the id tie-breaker to do its job.
    advisors = [make_advisor(overall_rating=Decimal("4.50") if i % 2 else Decimal("4.00"))
                for i in range(7)]
    seen: list[int] = []
    params = {"page_size": 3}

    while True:
        body = api.get(URL, params).json()
        seen += [row["id"] for row in body["results"]]
        if body["next_cursor"] is None:
            break
        params = {"page_size": 3, "cursor": body["next_cursor"]}

    assert sorted(seen) == sorted(a.id for a in advisors)
    assert len(seen) == len(set(seen)) == 7


def test_page_size_defaults_to_20(api):
    for _ in range(21):
        make_advisor(embed=False)

    body = api.get(URL).json()

    assert len(body["results"]) == 20 and body["next_cursor"] and "cursor=" in body["next"]


@pytest.mark.parametrize(("params", "field"), [
    ({"industries": "saas,underwater-basket-weaving"}, "industries"),
    ({"services": "x" * 10_000}, "services"),
    ({"sort": "cheapest"}, "sort"),
    ({"page_size": "101"}, "page_size"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "ten"}, "page_size"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": "WyJyYXRpbmciLCJOYU4iLDFd"}, "cursor"),  # ["rating","NaN",1]
    ({"cursor": "WyJwcmljZSIsIjEwIiwxXQ"}, "cursor"),  # a price cursor used with rating
    ({"q": "revenue\x00recognition"}, "q"),
    ({"q": "a" * 10_240}, "q"),
    ({"min_rating": "-1"}, "min_rating"),
    ({"min_rating": "6"}, "min_rating"),
    ({"max_rate": "-50"}, "max_rate"),
    ({"max_rate": "lots"}, "max_rate"),
    ({"max_rate": "Infinity"}, "max_rate"),
    ({"available": "maybe"}, "available"),
    ({"verified": "false"}, "verified"),
])
def test_bad_input_is_a_400_naming_the_field(api, params, field):
    response = api.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_search_page_shows_the_same_errors_inline(api):
    response = api.get("/marketplace/", {"sort": "cheapest", "q": "x\x00"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Unknown sort" in body and "NUL" in body


def test_list_endpoint_runs_one_query_whatever_the_page_holds(api, assert_data_queries):
    for _ in range(3):
        make_advisor(embed=False)
    with assert_data_queries(1):
        assert len(api.get(URL, {"industries": "saas"}).json()["results"]) == 3
    for _ in range(30):
        make_advisor(embed=False)
    with assert_data_queries(1):
        assert len(api.get(URL, {"industries": "saas", "sort": "price"}).json()["results"]) == 20


def test_detail_endpoint_runs_two_queries_and_shows_three_latest_published_reviews(
        api, assert_data_queries, firm_a):
    advisor = make_advisor()
    reviews = [completed_engagement_with_review(firm_a, advisor, rating=r) for r in (5, 4, 3, 2)]
    reviews[-1].status = "hidden"
    reviews[-1].save()

    with assert_data_queries(2):
        body = api.get(f"{URL}{advisor.id}/").json()

    assert body["bio"] == advisor.bio
    assert [r["id"] for r in body["latest_reviews"]] == [reviews[2].id, reviews[1].id,
                                                         reviews[0].id]


def test_detail_of_an_unlisted_advisor_is_404(api):
    pending = make_advisor(status="pending")

    assert api.get(f"{URL}{pending.id}/").status_code == 404
    assert api.get(f"/marketplace/advisors/{pending.id}/").status_code == 404


def test_results_are_cached_and_a_profile_change_invalidates_every_list(
        api, django_assert_num_queries, django_capture_on_commit_callbacks):
    advisor = make_advisor()
    other = make_advisor()
    assert _ids(api.get(URL)) and _ids(api.get(URL, {"sort": "price"}))

    with django_assert_num_queries(0):
        assert set(_ids(api.get(URL))) == {advisor.id, other.id}
    with django_capture_on_commit_callbacks(execute=True):
        advisor_profile_moderate(profile=advisor, status="suspended")

    assert _ids(api.get(URL)) == [other.id]
    assert _ids(api.get(URL, {"sort": "price"})) == [other.id]
    # Anonymous JSON reads are answered whole by the edge cache (apps/marketplace/
    # edge_cache.py): the third request was its one hit; the others reached the view.
    assert cache_stats()["edge"] == {"lookups": 5, "hits": 1, "hit_ratio": 0.2}
    assert cache_stats()["search_api"] == {"lookups": 4, "hits": 0, "hit_ratio": 0.0}


def test_a_cached_body_is_the_same_json_with_its_own_next_link(api, django_assert_num_queries):
    for _ in range(3):
        make_advisor()
    first = api.get(URL, {"page_size": 2})

    with django_assert_num_queries(0):
        again = api.get(URL, {"page_size": 2})
    on_other_host = api.get(URL, {"page_size": 2}, HTTP_HOST="www.localhost")

    assert again.content == first.content and again["Content-Type"] == "application/json"
    assert first.json()["next"].startswith("http://localhost/api/v1/marketplace/advisors/?")
    assert on_other_host.json()["next"].startswith("http://www.localhost/")


def test_detail_is_cached_until_the_advisor_or_a_review_changes(
        api, firm_a, django_assert_num_queries, django_capture_on_commit_callbacks):
    advisor = make_advisor(headline="Before")
    assert api.get(f"{URL}{advisor.id}/").json()["headline"] == "Before"

    with django_assert_num_queries(0):
        assert api.get(f"{URL}{advisor.id}/").json()["headline"] == "Before"
    with django_capture_on_commit_callbacks(execute=True):
        advisor.headline = "After"
        advisor.save()
    assert api.get(f"{URL}{advisor.id}/").json()["headline"] == "After"

    with django_capture_on_commit_callbacks(execute=True):
        review = completed_engagement_with_review(firm_a, advisor, rating=5)
    assert [r["id"] for r in api.get(f"{URL}{advisor.id}/").json()["latest_reviews"]] == \
        [review.id]


def test_the_browsable_api_still_renders_for_a_browser(api):
    advisor = make_advisor()

    response = api.get(f"{URL}{advisor.id}/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert advisor.headline in response.content.decode()


def test_equivalent_filters_share_one_cache_entry(api, django_assert_num_queries):
    make_advisor(industries=["saas", "fintech"])
    api.get(URL, {"industries": "saas,fintech"})

    with django_assert_num_queries(0):
        api.get(URL + "?industries=fintech&industries=saas")
