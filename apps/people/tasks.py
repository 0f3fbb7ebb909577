from advisoros.celery import app
from apps.people.notifications import notifications_digest


@app.task(name="people.notifications_digest")
def notifications_digest_task() -> int:
    """Daily, in each firm (beat via the dispatcher): one summary email per person who
    asked for it. Entries are marked as digested, so a second run sends nothing."""
    return notifications_digest()
