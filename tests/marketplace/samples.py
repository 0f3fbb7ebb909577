"""Real objects of firm A for the isolation suite's marketplace detail routes."""

from __future__ import annotations

from apps.accounts.roles import Role
from tests.marketplace.factories import make_advisor, make_engagement


def _advisor(world) -> dict:
    return {"advisor_id": make_advisor(embed=False).pk}


def _completed_engagement(world) -> dict:
    engagement = make_engagement(firm=world.firm, advisor=make_advisor(embed=False),
                                 requested_by=world.user(Role.OWNER), status="completed")
    return {"pk": engagement.pk}


MARKETPLACE_SAMPLES = {
    "firm_marketplace:request": _advisor,
    "firm_marketplace:review": _completed_engagement,
    "firm_marketplace_api:engagement-review": _completed_engagement,
}
