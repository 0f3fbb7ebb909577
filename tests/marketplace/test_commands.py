"""The seed, benchmark and evaluation commands run end to end on a small scale."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.marketplace.models import LISTED, AdvisorProfile

pytestmark = pytest.mark.django_db


def test_seed_marketplace_is_varied_and_idempotent():
    out = StringIO()
    call_command("seed_marketplace", "--advisors", "120", stdout=out)
    call_command("seed_marketplace", "--advisors", "120", stdout=out)

    profiles = AdvisorProfile.objects.all()
    assert profiles.count() == 120
    assert "0 advisors created" in out.getvalue()
    assert AdvisorProfile.objects.filter(LISTED).count() > 90
    assert profiles.filter(embedding__isnull=True).count() == 0
    assert len({tuple(p.industries) for p in profiles}) > 30
    assert len(set(profiles.values_list("hourly_rate", flat=True))) > 30


def test_bench_marketplace_prints_percentiles_and_ratios():
    out = StringIO()
    call_command("bench_marketplace", "--advisors", "150", "--runs", "13",
                 "--naive-runs", "2", stdout=out)

    report = out.getvalue()
    assert report.count("ratio naive/optimised") == 2
    for label in ("search uncached", "search cached", "match uncached", "match cached"):
        assert label in report and "p95=" in report
    assert "adv_listed_rating" in report and "hit_ratio" in report


def test_eval_marketplace_matching_reports_precision_and_recall():
    out = StringIO()
    call_command("eval_marketplace_matching", "--advisors", "300", "--needs", "10", stdout=out)

    report = out.getvalue()
    assert "precision@5" in report and "recall@20" in report
    default = next(line for line in report.splitlines() if "(default)" in line)
    assert float(default.split("precision@5")[1].split()[0]) > 0.3
