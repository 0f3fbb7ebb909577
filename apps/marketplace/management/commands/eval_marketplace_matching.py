"""`manage.py eval_marketplace_matching`: precision@5 and recall@20 of the matcher on a
generated evaluation set.

Each need asks, in a client's words, for one specialty topic (apps/marketplace/topics.py)
in its industry and service, for a company size. Its known good advisors are the listed
advisors with capacity whose generated primary topic is that topic and who serve that
industry and size: the ground truth comes from the generator (same seed), not from the
matcher. Alternative weightings are scored on the same set for comparison.
"""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.marketplace.matching import MATCH_LIMIT, advisor_match_uncached
from apps.marketplace.models import HAS_CAPACITY, LISTED, AdvisorProfile
from apps.marketplace.params import match_criteria_parse
from apps.marketplace.seed import SEED_EMAIL_DOMAIN, advisor_specs, seed_advisors
from apps.marketplace.topics import TOPICS

WEIGHTINGS = {
    "0.6/0.3/0.1 (default)": (0.6, 0.3, 0.1),
    "similarity only": (1.0, 0.0, 0.0),
    "fit only": (0.0, 1.0, 0.0),
    "rating only": (0.0, 0.0, 1.0),
    "0.8/0.15/0.05": (0.8, 0.15, 0.05),
    "0.4/0.4/0.2": (0.4, 0.4, 0.2),
}


class Command(BaseCommand):
    help = "Report precision@5 / recall@20 of advisor matching on generated needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--advisors", type=int, default=15000,
                            help="Generated advisors the set is built from (seeded if missing).")
        parser.add_argument("--needs", type=int, default=96)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, advisors: int, needs: int, seed: int, **options) -> None:
        with schema_context("public"):
            self._run(advisors, needs, seed)

    def _run(self, advisors: int, needs: int, seed: int) -> None:
        out = self.stdout.write
        seed_advisors(count=advisors, seed=seed, progress=None)
        ids_by_email = dict(User.objects.filter(email__endswith="@" + SEED_EMAIL_DOMAIN)
                            .values_list("email", "advisor_profile__id"))
        eligible = set(AdvisorProfile.objects.filter(LISTED & HAS_CAPACITY)
                       .values_list("id", flat=True))
        specs = [spec for spec, _ in advisor_specs(advisors, seed)]
        rng = random.Random(seed)
        evaluation = []
        for n in range(needs):
            topic = TOPICS[n % len(TOPICS)]
            size = rng.choice(["startup", "small", "midsize", "large", "enterprise"])
            criteria = match_criteria_parse({
                "industries": [topic.industry], "required_services": [topic.service],
                "company_size": size, "needs": topic.client_text})
            relevant = {ids_by_email[s.email] for s in specs
                        if s.topic.key == topic.key and topic.industry in s.fields["industries"]
                        and size in s.fields["company_sizes"]} & eligible
            if relevant:
                evaluation.append((criteria, relevant))
        out(f"{len(evaluation)} needs with known good advisors "
            f"(median {sorted(len(r) for _, r in evaluation)[len(evaluation) // 2]} each), "
            f"{advisors} generated advisors")
        ceiling = sum(min(MATCH_LIMIT, len(r)) / len(r) for _, r in evaluation) / len(evaluation)
        out(f"recall@20 ceiling (20 slots / known good advisors): {ceiling:.3f}")
        for label, weights in WEIGHTINGS.items():
            precision = recall = 0.0
            for i, (criteria, relevant) in enumerate(evaluation):
                top = [row["id"] for row in
                       advisor_match_uncached(criteria, limit=MATCH_LIMIT, weights=weights)]
                precision += len(set(top[:5]) & relevant) / 5
                recall += len(set(top) & relevant) / len(relevant)
                if (i + 1) % 32 == 0:
                    out(f"  {label}: {i + 1}/{len(evaluation)} needs")
            out(f"{label:<24} precision@5 {precision / len(evaluation):.3f}   "
                f"recall@20 {recall / len(evaluation):.3f}")
