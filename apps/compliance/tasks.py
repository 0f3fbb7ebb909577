"""Compliance tasks: thin and safe to run twice (evaluation is idempotent)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="compliance.evaluate")
def compliance_evaluate_task() -> int:
    """Beat (through the per-firm dispatcher): every rule in this firm."""
    from apps.compliance.services import compliance_evaluate

    return compliance_evaluate().opened
