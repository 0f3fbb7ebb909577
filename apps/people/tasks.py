from advisoros.celery import app
from apps.people.notifications import notifications_digest


@app.task(name="people.notifications_digest")
def notifications_digest_task() -> int:
    """Daily, in each firm (beat via the dispatcher): one summary email per person who
    asked for it. Entries are marked as digested, so a second run sends nothing."""
    return notifications_digest()


# No result kept (nobody reads it): sending it then costs no result-backend round trips.
@app.task(name="people.announce", ignore_result=True)
def announce_task(event: str, object_id: int, key: str, details: dict | None = None) -> int:
    """After another app's change commits: notify the people concerned, once per key."""
    from apps.people.events import announcement_deliver

    return announcement_deliver(event=event, object_id=object_id, key=key, details=details,
                                mail_here=True)


@app.task(name="people.requests_due_soon")
def requests_due_soon_task() -> int:
    """Daily, in each firm: portal users hear about document requests due soon, once per
    request and due date (a rerun tells nobody twice)."""
    from apps.people.events import requests_due_soon_notify

    return requests_due_soon_notify()
