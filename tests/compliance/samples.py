"""Real objects of firm A for the isolation suite's compliance routes: a retention
finding with a pending deletion."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context


def _retention_finding(world) -> dict:
    from apps.accounts.roles import Role
    from tests.compliance.factories import pending_deletion

    with schema_context(world.firm.schema_name):
        deletion = pending_deletion(world.user(Role.PARTNER))
    return {"finding_id": deletion.finding_id, "deletion_id": deletion.pk}


COMPLIANCE_SAMPLES: dict[str, Callable] = dict.fromkeys(
    ["compliance:finding", "compliance:resolve", "compliance:deletion_request",
     "compliance:deletion_decide"], _retention_finding)
