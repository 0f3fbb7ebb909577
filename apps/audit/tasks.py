"""Celery tasks of the audit trail: sealing and anchoring. Thin, idempotent (a second run
finds nothing to seal, and a head already anchored is not anchored again)."""

from __future__ import annotations

import logging

from django_tenants.utils import schema_context

from advisoros.celery import app

logger = logging.getLogger(__name__)


def _every_schema() -> list[str]:
    from apps.firms.selectors import firm_schema_names_ready

    return ["public", *firm_schema_names_ready()]


@app.task(name="audit.seal_pending")
def audit_seal_pending() -> int:
    """Seal the schemas whose writes marked them since the last run (beat, every 5 s)."""
    from apps.audit.services import audit_chain_seal, audit_seal_pending_schemas

    sealed = 0
    for schema in audit_seal_pending_schemas():
        try:
            with schema_context(schema):
                sealed += audit_chain_seal()
        except Exception:  # one firm's failure must not hold up the others
            logger.exception("audit: sealing %s failed; the sweep retries it", schema)
    return sealed


@app.task(name="audit.anchor_all")
def audit_anchor_all() -> int:
    """Seal and anchor every schema's head (in the database and outside it): also the
    sweep that seals whatever the marks missed (Redis down, a worker lost)."""
    from apps.audit.services import audit_chain_anchor

    schemas = _every_schema()
    for schema in schemas:
        with schema_context(schema):
            audit_chain_anchor()
    return len(schemas)
