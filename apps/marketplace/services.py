"""Marketplace writes: advisor profiles, embeddings, engagement requests and their
lifecycle. Reviews are in apps.marketplace.reviews.

Every function is transactional, takes keyword arguments and raises ValidationError with
field keys. Side effects (re-embedding, cache invalidation) run after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from apps.accounts.access import has_permission
from apps.accounts.models import User
from apps.accounts.roles import Perm
from apps.marketplace.cache import advisors_cache_invalidate
from apps.marketplace.embedding import embedder_get, embedding_source, profile_text
from apps.marketplace.models import LISTED, AdvisorProfile, MarketplaceEngagement
from apps.marketplace.params import MONEY_MAX
from apps.marketplace.vocabulary import Certification, CompanySize, Industry, Service

TEXT_FIELDS = ("professional_title", "headline", "bio", "industries", "services")
_LIMITS = {"professional_title": 120, "headline": 200, "bio": 5000, "client_name": 200}


def invalidate_after_commit() -> None:
    # A transaction may bump the version more than once (service and signal); an extra
    # SET costs one Redis call and keeps the rule simple: every change bumps.
    transaction.on_commit(advisors_cache_invalidate)


def _clean_text(value: Any, name: str, errors: dict, *, required: bool) -> str:
    if not isinstance(value, str):
        errors[name] = "Must be text."
        return ""
    if "\x00" in value:
        errors[name] = "Must not contain NUL characters."
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = "This field is required."
    elif len(value) > _LIMITS[name]:
        errors[name] = f"At most {_LIMITS[name]} characters."
    return value


def _clean_codes(values: Any, name: str, allowed: type, errors: dict) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        errors[name] = "Give a list of codes."
        return []
    unknown = sorted({v for v in values if v not in allowed.values})
    if unknown:
        errors[name] = f"Unknown value(s): {', '.join(repr(v[:40]) for v in unknown[:5])}."
    return sorted(set(values))


def _clean_money(value: Any, name: str, errors: dict) -> Decimal:
    try:
        number = Decimal(str(value))
    except Exception:
        errors[name] = "Must be a number."
        return Decimal("0")
    if not number.is_finite():
        errors[name] = "Must be a number."
    elif number < 0:
        errors[name] = "Must not be negative."
    elif number > MONEY_MAX:
        errors[name] = f"Must be at most {MONEY_MAX}."
    return number.quantize(Decimal("0.01")) if number.is_finite() else Decimal("0")


def clean_int(value: Any, name: str, errors: dict, low: int, high: int) -> int:
    """A whole number in [low, high]; booleans and text like "five" are errors."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = "Must be a whole number."
        return low
    if not low <= number <= high:
        errors[name] = f"Must be between {low} and {high}."
    return number


@transaction.atomic
def advisor_profile_save(*, user: User, professional_title: str, headline: str, bio: str,
                         years_experience: int, industries: list[str], services: list[str],
                         company_sizes: list[str], certifications: list[str],
                         hourly_rate: Decimal, monthly_retainer_min: Decimal,
                         max_clients: int, availability: str) -> AdvisorProfile:
    """Create the user's profile (pending review) or update it. A change of the matched
    text queues re-embedding after commit; any change invalidates cached lists."""
    errors: dict[str, str] = {}
    values = {
        "professional_title": _clean_text(professional_title, "professional_title", errors,
                                          required=True),
        "headline": _clean_text(headline, "headline", errors, required=True),
        "bio": _clean_text(bio, "bio", errors, required=False),
        "years_experience": clean_int(years_experience, "years_experience", errors, 0, 60),
        "industries": _clean_codes(industries, "industries", Industry, errors),
        "services": _clean_codes(services, "services", Service, errors),
        "company_sizes": _clean_codes(company_sizes, "company_sizes", CompanySize, errors),
        "certifications": _clean_codes(certifications, "certifications", Certification,
                                       errors),
        "hourly_rate": _clean_money(hourly_rate, "hourly_rate", errors),
        "monthly_retainer_min": _clean_money(monthly_retainer_min, "monthly_retainer_min",
                                             errors),
        "max_clients": clean_int(max_clients, "max_clients", errors, 1, 100),
        "availability": availability,
    }
    if availability not in AdvisorProfile.Availability.values:
        errors["availability"] = "Unknown availability."
    if not values["services"] and "services" not in errors:
        errors["services"] = "Choose at least one service."
    if errors:
        raise ValidationError(errors)

    profile = AdvisorProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = AdvisorProfile(user=user)
    elif profile.deleted_at is not None:
        raise ValidationError({"__all__": "This advisor profile was removed."})
    text_changed = profile.pk is None or any(
        getattr(profile, name) != values[name] for name in TEXT_FIELDS)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.save()
    if text_changed:
        advisor_embedding_enqueue(advisor_id=profile.pk)
    invalidate_after_commit()
    return profile


def advisor_embedding_enqueue(*, advisor_id: int) -> None:
    """Recompute the embedding in a worker once the text that changed is committed."""
    from apps.marketplace.tasks import advisor_embedding_refresh_task

    transaction.on_commit(lambda: advisor_embedding_refresh_task.delay(advisor_id))


@transaction.atomic
def advisor_embedding_refresh(*, advisor_id: int) -> bool:
    """Store the current embedding; False when it was already current (or the profile is
    gone), so running the task twice does no harm."""
    profile = AdvisorProfile.objects.select_for_update().filter(pk=advisor_id).first()
    if profile is None:
        return False
    embedder = embedder_get()
    text = profile_text(professional_title=profile.professional_title,
                        headline=profile.headline, bio=profile.bio,
                        industries=profile.industries, services=profile.services)
    source = embedding_source(text, embedder)
    if profile.embedding_source == source and profile.embedding is not None:
        return False
    profile.embedding = embedder.embed([text])[0]
    profile.embedding_source = source
    profile.save(update_fields=["embedding", "embedding_source", "updated_at"])
    invalidate_after_commit()
    return True


def advisor_embeddings_refresh_all(*, batch_size: int = 500, force: bool = False,
                                   progress: Callable[[str], None] | None = None
                                   ) -> tuple[int, int]:
    """Re-embed every advisor whose vector is missing or was made by another embedder or
    from another text (all of them with `force`), one committed batch at a time, so an
    interrupted run resumes where it stopped. Returns (re-embedded, already current)."""
    embedder = embedder_get()
    ids = list(AdvisorProfile.objects.order_by("pk").values_list("pk", flat=True))
    done = current = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            profiles = list(AdvisorProfile.objects.select_for_update()
                            .filter(pk__in=ids[start:start + batch_size]).order_by("pk")
                            .only("pk", "professional_title", "headline", "bio", "industries",
                                  "services", "embedding", "embedding_source"))
            stale = []
            for profile in profiles:
                text = profile_text(professional_title=profile.professional_title,
                                    headline=profile.headline, bio=profile.bio,
                                    industries=profile.industries, services=profile.services)
                source = embedding_source(text, embedder)
                if not force and profile.embedding_source == source \
                        and profile.embedding is not None:
                    current += 1
                    continue
                profile.embedding_source = source
                stale.append((profile, text))
            if stale:
                vectors = embedder.embed([text for _, text in stale])
                for (profile, _), vector in zip(stale, vectors, strict=True):
                    profile.embedding = vector
                AdvisorProfile.objects.bulk_update([p for p, _ in stale],
                                                   ["embedding", "embedding_source"])
            done += len(stale)
        if progress:
            progress(f"  {min(start + batch_size, len(ids))}/{len(ids)} advisors checked, "
                     f"{done} re-embedded, {current} already current")
    if done:
        invalidate_after_commit()
    return done, current


@transaction.atomic
def advisor_profile_moderate(*, profile: AdvisorProfile, status: str | None = None,
                             verified: bool | None = None) -> AdvisorProfile:
    """Platform staff: verify and activate, or suspend, an advisor."""
    if status is not None and status not in AdvisorProfile.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    fields = ["updated_at"]
    if status is not None:
        profile.status = status
        fields.append("status")
    if verified is not None:
        profile.is_verified = verified
        profile.verified_at = timezone.now() if verified else None
        fields += ["is_verified", "verified_at"]
    profile.save(update_fields=fields)
    invalidate_after_commit()
    return profile


@transaction.atomic
def advisor_profile_delete(*, profile: AdvisorProfile) -> AdvisorProfile:
    profile.deleted_at = timezone.now()
    profile.save(update_fields=["deleted_at", "updated_at"])
    invalidate_after_commit()
    return profile


# --- Engagements ---------------------------------------------------------------------


@transaction.atomic
def engagement_request(*, firm, requested_by: User, advisor_id: int, client_id: int,
                       agreed_rate: Decimal, client_name: str = "", message: str = ""
                       ) -> MarketplaceEngagement:
    """A firm (for one of its clients) asks a listed advisor to take an engagement."""
    errors: dict[str, str] = {}
    for_own_company = not has_permission(requested_by, firm, Perm.MARKETPLACE_REQUEST)
    if for_own_company and not has_permission(requested_by, firm,
                                              Perm.PORTAL_REQUEST_ADVISOR):
        raise ValidationError({"__all__": "You may not request advisors for this firm."})
    if not firm.marketplace_enabled:
        raise ValidationError({"__all__": "The marketplace is turned off for this firm."})
    advisor = AdvisorProfile.objects.filter(LISTED, pk=advisor_id).first()
    if advisor is None:
        errors["advisor"] = "This advisor is not available on the marketplace."
    elif not advisor.has_capacity:
        errors["advisor"] = "This advisor is not taking new clients right now."
    client_id = clean_int(client_id, "client_id", errors, 1, 2**62)
    _clean_text(client_name or "", "client_name", errors, required=False)
    if "client_id" not in errors:
        # The engagement is for one of this firm's clients: check it exists (in the firm's
        # schema) and keep its name as the snapshot, whatever the form said.
        recorded_name = _firm_client_name(firm, client_id)
        if for_own_company and client_id not in _own_client_ids(firm, requested_by):
            # A client's own people request for their own company only.
            errors["client_id"] = "You can request advisors for your own company only."
        elif recorded_name is None:
            errors["client_id"] = "This firm has no client with that number."
        else:
            client_name = recorded_name
    rate = _clean_money(agreed_rate, "agreed_rate", errors)
    if not isinstance(message, str) or "\x00" in message or len(message) > 2000:
        errors["message"] = "At most 2000 characters of plain text."
    if errors:
        raise ValidationError(errors)
    return MarketplaceEngagement.objects.create(
        firm=firm, client_id=client_id, client_name=client_name, advisor=advisor,
        requested_by=requested_by, agreed_rate=rate, message=message.strip())


def _own_client_ids(firm, user: User) -> set[int]:
    from django_tenants.utils import schema_context

    from apps.portal.selectors import portal_client_ids

    with schema_context(firm.schema_name):
        return set(portal_client_ids(user.pk))


def _firm_client_name(firm, client_id: int) -> str | None:
    from django_tenants.utils import schema_context

    from apps.portal.models import Client

    with schema_context(firm.schema_name):
        return (Client.objects.alive().filter(pk=client_id)
                .values_list("business_name", flat=True).first())


def _engagement_locked(engagement: MarketplaceEngagement, advisor_user: User
                       ) -> MarketplaceEngagement:
    locked = (MarketplaceEngagement.objects.select_for_update()
              .select_related("advisor").get(pk=engagement.pk))
    if locked.advisor.user_id != advisor_user.pk:
        raise ValidationError({"__all__": "Only the requested advisor can do this."})
    return locked


def _transition(engagement: MarketplaceEngagement, expected: str, new: str) -> None:
    if engagement.status != expected:
        raise ValidationError({"status": f"This engagement is {engagement.status}; "
                                         f"only a {expected} engagement can become {new}."})
    engagement.status = new


@transaction.atomic
def engagement_respond(*, engagement: MarketplaceEngagement, advisor_user: User,
                       accept: bool) -> MarketplaceEngagement:
    """The advisor accepts (taking one client slot) or declines a request."""
    engagement = _engagement_locked(engagement, advisor_user)
    status = MarketplaceEngagement.Status
    _transition(engagement, status.REQUESTED, status.ACCEPTED if accept else status.DECLINED)
    if accept:
        # Conditional F() update: two accepts racing for the last slot cannot both win.
        taken = AdvisorProfile.objects.filter(
            pk=engagement.advisor_id, current_clients__lt=F("max_clients"),
        ).update(current_clients=F("current_clients") + 1, updated_at=Now())
        if not taken:
            raise ValidationError({"status": "You have no free client slot; raise your "
                                             "maximum clients or finish an engagement."})
        invalidate_after_commit()
    engagement.responded_at = timezone.now()
    engagement.save(update_fields=["status", "responded_at", "updated_at"])
    return engagement


@transaction.atomic
def engagement_start(*, engagement: MarketplaceEngagement, advisor_user: User
                     ) -> MarketplaceEngagement:
    engagement = _engagement_locked(engagement, advisor_user)
    _transition(engagement, MarketplaceEngagement.Status.ACCEPTED,
                MarketplaceEngagement.Status.ACTIVE)
    engagement.started_at = timezone.now()
    engagement.save(update_fields=["status", "started_at", "updated_at"])
    return engagement


@transaction.atomic
def engagement_complete(*, engagement: MarketplaceEngagement, advisor_user: User
                        ) -> MarketplaceEngagement:
    """Delivered: the client slot frees up and the client may review."""
    engagement = _engagement_locked(engagement, advisor_user)
    _transition(engagement, MarketplaceEngagement.Status.ACTIVE,
                MarketplaceEngagement.Status.COMPLETED)
    engagement.completed_at = timezone.now()
    engagement.save(update_fields=["status", "completed_at", "updated_at"])
    AdvisorProfile.objects.filter(pk=engagement.advisor_id, current_clients__gt=0).update(
        current_clients=F("current_clients") - 1, updated_at=Now())
    invalidate_after_commit()
    return engagement
