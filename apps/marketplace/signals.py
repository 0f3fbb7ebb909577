"""Cached advisor lists go stale however a profile or review row changed (admin edits
included), so the version bump is tied to the rows, after commit."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.marketplace.models import AdvisorProfile, AdvisorReview
from apps.marketplace.services import invalidate_after_commit


@receiver([post_save, post_delete], sender=AdvisorProfile)
@receiver([post_save, post_delete], sender=AdvisorReview)
def _advisor_changed(sender, **kwargs) -> None:
    invalidate_after_commit()
