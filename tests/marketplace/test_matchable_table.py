"""The matchable-advisor table (migration 0006) mirrors the listed advisors with free
capacity, kept by Postgres triggers through every write path; matching reads it."""

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.marketplace.matching import MATCHABLE_TABLE, advisor_match_uncached
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.params import match_criteria_parse
from tests.marketplace.factories import make_advisor
from tests.marketplace.test_matching import _random_advisors, brute_force_top

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "industry_bits", "service_bits", "size_bits", "current_clients",
           "max_clients", "overall_rating", "monthly_retainer_min", "embedding::text")


def _rows(sql: str) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[0]: row for row in cursor.fetchall()}


def copy_rows() -> dict[int, tuple]:
    return _rows(f"SELECT {', '.join(COLUMNS)} FROM {MATCHABLE_TABLE}")


def expected_rows() -> dict[int, tuple]:
    """What the copy must hold, computed from the profile table with the ORM's filters."""
    listed = AdvisorProfile.objects.filter(status="active", is_verified=True,
                                           deleted_at__isnull=True)
    ids = [p.id for p in listed if p.current_clients < p.max_clients]
    rows = _rows(f"SELECT {', '.join(COLUMNS)} FROM marketplace_advisorprofile")
    return {advisor_id: rows[advisor_id] for advisor_id in ids}


def assert_in_sync() -> None:
    assert copy_rows() == expected_rows()


def test_create_update_unlist_relist_and_delete_keep_the_copy_exact():
    advisor = make_advisor()
    other = make_advisor(industries=["retail"], services=["fpa", "pricing"])
    make_advisor(status="pending")
    assert set(copy_rows()) == {advisor.id, other.id}
    assert_in_sync()

    # A scored column changes: the copy follows (bits regenerated from the arrays too).
    advisor.overall_rating = Decimal("3.10")
    advisor.industries = ["fintech", "saas"]
    advisor.monthly_retainer_min = Decimal("7500.50")
    advisor.save()
    assert_in_sync()

    advisor.status = "suspended"  # unlisted: gone
    advisor.save()
    assert set(copy_rows()) == {other.id}
    advisor.status = "active"  # listed again: back, with current values
    advisor.save()
    assert_in_sync()

    advisor.is_verified = False
    advisor.save()
    assert advisor.id not in copy_rows()
    AdvisorProfile.objects.filter(id=advisor.id).update(is_verified=True)  # ORM bulk path
    assert advisor.id in copy_rows()

    AdvisorProfile.objects.filter(id=advisor.id).update(current_clients=5)  # full: gone
    assert advisor.id not in copy_rows()
    AdvisorProfile.objects.filter(id=advisor.id).update(max_clients=8)  # room again
    assert_in_sync()

    AdvisorProfile.objects.filter(id=other.id).update(deleted_at=timezone.now())
    assert set(copy_rows()) == {advisor.id}

    advisor.user.delete()  # cascades to the profile
    assert copy_rows() == {}
    assert_in_sync()


def test_embedding_changes_and_raw_sql_writes_reach_the_copy():
    advisor = make_advisor(embed=False)
    assert copy_rows()[advisor.id][-1] is None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE marketplace_advisorprofile SET embedding = %s::vector "
                       "WHERE id = %s", ["[" + ",".join(["0.0625"] * 256) + "]", advisor.id])
    assert copy_rows()[advisor.id][-1].startswith("[0.0625,")
    assert_in_sync()


def test_an_update_of_unscored_columns_leaves_the_copy_row_untouched():
    advisor = make_advisor()
    before = _rows(f"SELECT id, xmin::text FROM {MATCHABLE_TABLE}")
    advisor.bio = "A new bio."
    advisor.total_reviews = 11
    advisor.save()
    after = _rows(f"SELECT id, xmin::text FROM {MATCHABLE_TABLE}")
    assert after == before  # the WHEN clause skipped the trigger: no new row version


def test_random_writes_keep_the_copy_exact():
    rng = random.Random(11)
    _random_advisors(40, rng)
    profiles = list(AdvisorProfile.objects.all())
    for profile in rng.sample(profiles, 20):
        AdvisorProfile.objects.filter(id=profile.id).update(
            status=rng.choice(["active", "pending", "suspended"]),
            current_clients=rng.randint(0, 4),
            overall_rating=Decimal(rng.randint(100, 500)) / 100)
    for profile in rng.sample(profiles, 5):
        profile.user.delete()
    assert_in_sync()


def test_ranking_from_the_copy_with_hard_filters_and_every_preference_equals_brute_force():
    # brute_force_top reads the profile table through the ORM, so this also shows the copy
    # ranks exactly what the wide table would.
    _random_advisors(150, random.Random(17))
    criteria = match_criteria_parse({
        "needs": "investors want a board pack and cash runway", "industries": ["saas", "retail"],
        "required_services": ["fpa"], "budget": "6000", "company_size": "small",
        "prefer_industries": ["fintech"], "prefer_services": ["fundraising", "cash_flow"],
        "prefer_size": "startup", "prefer_budget": "2500"})
    expected = brute_force_top(criteria)
    got = advisor_match_uncached(criteria)
    assert expected and [row["id"] for row in got] == [advisor_id for advisor_id, _ in expected]
    for row, (_, score) in zip(got, expected, strict=True):
        assert row["score"] == pytest.approx(score, abs=1e-4)
