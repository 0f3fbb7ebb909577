"""Celery queues by workload, and the one place tasks are routed to them.

Each queue is consumed by workers sized for its work (deploy/k8s/workers.yaml scales each
on its own length), so a flood of one kind never waits behind another:

- `celery`: the default: short bookkeeping (billing, work automations, audit sealing);
- `documents`: document processing (priorities inside it, apps/documents/tasks.py);
- `documents-backlog`: a firm's new documents while its queue is over the backlog
  threshold (apps/documents/backpressure.py), taken in turn with `documents` by the same workers,
  so one firm's flood does not hold up other firms' documents;
- `documents-large`: very large scans, a low-priority lane of its own;
- `integrations`: QuickBooks syncs and outgoing webhooks (wait on other servers);
- `reports`: dashboards' views, forecasts and other analytics (CPU-heavy, can wait);
- `email`: outgoing mail and digests (wait on the SMTP server).
"""

from __future__ import annotations

DEFAULT_QUEUE = "celery"
QUEUES = ("celery", "documents", "documents-backlog", "documents-large", "integrations",
          "reports", "email")

# First match wins (Celery's glob routes, in order).
TASK_ROUTES: dict[str, dict[str, str]] = {
    "documents.process_large": {"queue": "documents-large"},
    "documents.*": {"queue": "documents"},
    "integrations.*": {"queue": "integrations"},
    "mail.*": {"queue": "email"},
    "security.email_user": {"queue": "email"},
    "people.notifications_digest": {"queue": "email"},
    "insight.*": {"queue": "reports"},
    "portal.dashboard_refresh": {"queue": "reports"},
    "clienthealth.*": {"queue": "reports"},
    "compliance.*": {"queue": "reports"},
}

# What one general-purpose worker consumes where workers are not split by queue (make run,
# compose, the load harness): everything but the large-scan lane, which gets its own
# single-process worker so it can never take the processes normal documents need.
GENERAL_WORKER_QUEUES = ",".join(q for q in QUEUES if q != "documents-large")


def queue_for(task_name: str) -> str:
    """The queue a task is published to (the same glob rules Celery applies)."""
    from fnmatch import fnmatchcase

    for pattern, route in TASK_ROUTES.items():
        if fnmatchcase(task_name, pattern):
            return route["queue"]
    return DEFAULT_QUEUE
