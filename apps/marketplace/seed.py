"""Realistic, varied generated advisors (for `seed_marketplace`, the benchmark, the
matching evaluation and tests).

Generation is deterministic for a given seed: advisor number N always gets the same
profile, so the evaluation can rebuild its ground truth (each advisor's primary topic)
without storing it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from apps.accounts.models import User
from apps.marketplace.cache import advisors_cache_invalidate
from apps.marketplace.embedding import embedder_get, embedding_source, profile_text
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.topics import TOPICS, Topic
from apps.marketplace.vocabulary import Certification, CompanySize, Industry, Service

SEED_EMAIL_DOMAIN = "seed.advisoros.test"

_FIRST_TEXT = (
    "Avery Jordan Morgan Taylor Riley Casey Quinn Harper Rowan Emerson Priya Wei Mateo "
    "Sofia Amara Kenji Lucia Omar Hannah Diego Aisha Noah Elena Tariq Grace Ivan Mei "
    "Samuel Leila Jonah Fatima Marcus Ingrid Ravi Chloe Tomas Yara Felix Nadia")
_FIRST = tuple(_FIRST_TEXT.split())
_LAST_TEXT = (
    "Chen Patel Garcia Okafor Nguyen Schmidt Rossi Kowalski Haddad Tanaka Silva Murphy "
    "Johansson Dubois Mensah Novak Ibrahim Costa Lindqvist Park Alvarez Brennan Sato "
    "Moreau Adeyemi Fischer Kaur Horvat Reyes Larsen")
_LAST = tuple(_LAST_TEXT.split())
_TITLES = ("Fractional CFO", "Fractional CFO", "Outsourced Controller", "Part-time CFO",
           "FP&A Consultant", "Interim CFO", "Strategic Finance Advisor", "CFO Advisor",
           "Finance Director (fractional)", "Virtual CFO")
_OPENERS = (
    "I help owner-led companies make decisions with numbers they trust.",
    "Former Big Four manager turned operator, now serving growing companies part time.",
    "I build the finance function a company needs for its next stage.",
    "Hands-on finance leader who enjoys turning messy books into clear plans.",
    "I work with founders and boards who want fewer surprises and faster closes.",
)
_CLOSERS = (
    "Clients stay with me for an average of {years} months.",
    "I usually start with a two-week diagnostic and a written plan.",
    "Comfortable with QuickBooks, Xero, NetSuite and Excel models that others can maintain.",
    "I report monthly to owners and quarterly to boards and lenders.",
    "Remote-first, with on-site visits for planning sessions.",
)
_SIZES = list(CompanySize.values)


@dataclass(frozen=True)
class AdvisorSpec:
    number: int
    email: str
    full_name: str
    topic: Topic
    fields: dict


def _spec(number: int, seed: int) -> tuple[AdvisorSpec, bool]:
    rng = random.Random(seed * 1_000_003 + number)
    topic = TOPICS[rng.randrange(len(TOPICS))]
    second = TOPICS[rng.randrange(len(TOPICS))]
    industries = {topic.industry, *rng.sample(Industry.values, rng.randint(0, 2))}
    services = {topic.service, *rng.sample(Service.values, rng.randint(1, 3))}
    start = rng.randrange(len(_SIZES))
    sizes = _SIZES[start:start + rng.randint(1, 3)]
    years = rng.randint(3, 35)
    hourly = Decimal(90 + years * rng.randint(4, 10) + rng.randint(0, 60)).quantize(Decimal("1"))
    retainer = Decimal(rng.choice((0, 1500, 2500, 3000, 4000, 5000, 7500, 10000, 15000)))
    reviews = int(rng.paretovariate(1.3) * 3) - 3 if rng.random() < 0.85 else 0
    reviews = max(0, min(reviews, 400))
    mean = rng.uniform(3.4, 5.0)
    rating_sum = round(mean * reviews)
    rating_sum = max(reviews, min(rating_sum, reviews * 5))
    max_clients = rng.randint(2, 10)
    roll = rng.random()
    status, verified, deleted = "active", True, False
    if roll < 0.05:
        status, verified = "pending", False
    elif roll < 0.08:
        status = "suspended"
    elif roll < 0.10:
        deleted = True
    elif roll < 0.13:
        verified = False
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    bio = " ".join([
        rng.choice(_OPENERS),
        f"My focus is {topic.advisor_text}.",
        f"I have also worked on {second.advisor_text.lower()}.",
        f"{years} years in finance, across {', '.join(sorted(industries))} companies.",
        rng.choice(_CLOSERS).format(years=rng.randint(9, 30)),
    ])
    return AdvisorSpec(
        number=number,
        email=f"advisor-{number:05d}@{SEED_EMAIL_DOMAIN}",
        full_name=f"{first} {last}",
        topic=topic,
        fields={
            "professional_title": rng.choice(_TITLES),
            "headline": f"{rng.choice(_TITLES)} for {topic.advisor_text}"[:200],
            "bio": bio,
            "years_experience": years,
            "industries": sorted(industries),
            "services": sorted(services),
            "company_sizes": sizes,
            "certifications": sorted(rng.sample(Certification.values, rng.randint(0, 2))),
            "hourly_rate": hourly,
            "monthly_retainer_min": retainer,
            "rating_sum": rating_sum,
            "total_reviews": reviews,
            "overall_rating": (Decimal(rating_sum) / reviews).quantize(Decimal("0.01"))
            if reviews else Decimal("0"),
            "current_clients": rng.randint(0, max_clients),
            "max_clients": max_clients,
            "availability": rng.choice(AdvisorProfile.Availability.values),
            "status": status,
            "is_verified": verified,
        },
    ), deleted


def advisor_specs(count: int, seed: int = 7) -> Iterator[tuple[AdvisorSpec, bool]]:
    for number in range(count):
        yield _spec(number, seed)


def seed_advisors(*, count: int, seed: int = 7, batch_size: int = 1000,
                  progress: Callable[[str], None] | None = None) -> int:
    """Create the first `count` generated advisors that do not exist yet; returns how many
    were created. Safe to repeat."""
    from django.utils import timezone

    existing = set(User.objects.filter(email__endswith="@" + SEED_EMAIL_DOMAIN)
                   .values_list("email", flat=True))
    embedder = embedder_get()
    password = make_password(None)  # unusable: seeded advisors cannot sign in
    now = timezone.now()
    created = 0
    pending = [(s, d) for s, d in advisor_specs(count, seed) if s.email not in existing]
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        texts = [profile_text(**{k: s.fields[k] for k in ("professional_title", "headline",
                                                          "bio", "industries", "services")})
                 for s, _ in batch]
        vectors = embedder.embed(texts)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [User(email=s.email, full_name=s.full_name, password=password)
                 for s, _ in batch])
            AdvisorProfile.objects.bulk_create([
                AdvisorProfile(user=user, embedding=vector,
                               embedding_source=embedding_source(text, embedder),
                               verified_at=now if spec.fields["is_verified"] else None,
                               deleted_at=now if deleted else None, **spec.fields)
                for (spec, deleted), user, vector, text in zip(batch, users, vectors, texts,
                                                               strict=True)
            ])
        created += len(batch)
        if progress:
            progress(f"  advisors: {len(existing) + created}/{count}")
    # Fresh statistics, so the planner knows how selective each filter is right away.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AdvisorProfile._meta.db_table}")
    advisors_cache_invalidate()
    return created
