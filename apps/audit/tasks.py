"""Celery tasks of the audit trail: sealing and anchoring. Thin, idempotent (a second run
finds nothing to seal, and a head already anchored is not anchored again)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from advisoros.celery import app


def _every_schema() -> list[str]:
    from apps.firms.selectors import firm_schema_names_ready

    return ["public", *firm_schema_names_ready()]


@app.task(name="audit.seal")
def audit_seal() -> int:
    """Seal this schema's waiting rows (queued after a commit that wrote some)."""
    from apps.audit.services import audit_chain_seal

    return audit_chain_seal()


@app.task(name="audit.seal_all")
def audit_seal_all() -> int:
    """Beat's safety net: seal whatever the after-commit seals missed, in every schema."""
    from apps.audit.services import audit_chain_seal

    sealed = 0
    for schema in _every_schema():
        with schema_context(schema):
            sealed += audit_chain_seal()
    return sealed


@app.task(name="audit.anchor_all")
def audit_anchor_all() -> int:
    """Anchor every schema's head (in the database and outside it)."""
    from apps.audit.services import audit_chain_anchor

    schemas = _every_schema()
    for schema in schemas:
        with schema_context(schema):
            audit_chain_anchor()
    return len(schemas)
