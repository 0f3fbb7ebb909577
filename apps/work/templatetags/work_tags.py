"""The client page's "Work" block: the client's open jobs (onboarding first among equals)
with how far along each is, for staff who see work. One query, whatever the number of
jobs; the block lives here so the portal's page needs only one line."""

from __future__ import annotations

from django import template
from django.utils import timezone

from apps.accounts.roles import Perm
from apps.work.selectors import client_jobs

register = template.Library()

SHOWN_JOBS = 5


@register.inclusion_tag("work/partials/client_progress.html", takes_context=True)
def client_work_progress(context, client) -> dict:
    if Perm.TASKS_VIEW not in context.get("firm_perms", ()):
        return {"shown": False}
    jobs = client_jobs(client.pk, open_only=True, limit=SHOWN_JOBS + 1)
    # "today" in the active (firm's) time zone, so a job due yesterday there reads overdue.
    return {"shown": True, "client": client, "jobs": jobs[:SHOWN_JOBS],
            "more": len(jobs) > SHOWN_JOBS, "today": timezone.localdate()}
