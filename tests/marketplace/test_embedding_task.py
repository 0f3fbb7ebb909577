"""Profile text changes re-embed through a Celery task queued after commit."""

from decimal import Decimal

import numpy as np
import pytest

from apps.marketplace.embedding import embedder_get, profile_text
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.services import advisor_embedding_refresh, advisor_profile_save

pytestmark = pytest.mark.django_db


def _save(user, **overrides):
    values = {"professional_title": "Fractional CFO", "headline": "SaaS finance",
              "bio": "Board reporting.", "years_experience": 8, "industries": ["saas"],
              "services": ["fpa"], "company_sizes": ["small"], "certifications": ["CPA"],
              "hourly_rate": Decimal("180"), "monthly_retainer_min": Decimal("2500"),
              "max_clients": 4, "availability": "immediate"}
    values.update(overrides)
    return advisor_profile_save(user=user, **values)


def test_creating_a_profile_queues_embedding_after_commit_and_the_task_stores_it(
        firm_a, celery_eager, django_capture_on_commit_callbacks):
    user = firm_a.user("advisor")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        profile = _save(user)
    assert AdvisorProfile.objects.get(pk=profile.pk).embedding is None  # not before commit
    for callback in callbacks:
        callback()

    stored = AdvisorProfile.objects.get(pk=profile.pk)
    expected = embedder_get().embed([profile_text(
        professional_title="Fractional CFO", headline="SaaS finance", bio="Board reporting.",
        industries=["saas"], services=["fpa"])])[0]
    assert np.allclose(np.asarray(stored.embedding), expected, atol=1e-6)
    assert stored.status == "pending" and not stored.is_verified


def test_only_text_changes_queue_re_embedding(firm_a, django_capture_on_commit_callbacks):
    user = firm_a.user("advisor")
    _save(user)

    with django_capture_on_commit_callbacks() as rate_only:
        _save(user, hourly_rate=Decimal("220"))
    with django_capture_on_commit_callbacks() as text_change:
        _save(user, bio="Now also fundraising.")

    def queued_tasks(callbacks) -> int:
        return sum("advisor_embedding_enqueue" in cb.__qualname__ for cb in callbacks)

    assert queued_tasks(rate_only) == 0
    assert queued_tasks(text_change) == 1


def test_the_refresh_is_idempotent(firm_a, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile = _save(firm_a.user("advisor"))

    assert advisor_embedding_refresh(advisor_id=profile.pk) is False
    assert advisor_embedding_refresh(advisor_id=10**9) is False


@pytest.mark.parametrize(("overrides", "field"), [
    ({"headline": ""}, "headline"),
    ({"headline": "x" * 10_240}, "headline"),
    ({"bio": "nul\x00byte"}, "bio"),
    ({"industries": ["atlantis"]}, "industries"),
    ({"services": []}, "services"),
    ({"hourly_rate": Decimal("-1")}, "hourly_rate"),
    ({"monthly_retainer_min": "NaN"}, "monthly_retainer_min"),
    ({"years_experience": 99}, "years_experience"),
    ({"max_clients": 0}, "max_clients"),
    ({"availability": "never"}, "availability"),
])
def test_bad_profile_input_names_the_field_and_stores_nothing(firm_a, overrides, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        _save(firm_a.user("advisor"), **overrides)

    assert field in error.value.message_dict
    assert not AdvisorProfile.objects.filter(user=firm_a.user("advisor")).exists()
