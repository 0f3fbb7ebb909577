"""The Celery app. Tasks run in the schema of the firm that queued them.

tenant-schemas-celery's CeleryApp stamps the current schema on every message it sends and
switches to it in the worker before the task runs; a plain Celery app would silently run
everything in the public schema.
"""

import os

from tenant_schemas_celery.app import CeleryApp

from advisoros.broker_keepalive import UnackedKeepAlive

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisoros.settings")

app = CeleryApp("advisoros")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A short visibility timeout recovers a dead worker's messages quickly; this keeps a live
# worker's messages (long tasks, countdowns) from being delivered twice meanwhile.
app.steps["consumer"].add(UnackedKeepAlive)


@app.on_after_finalize.connect
def _attach_beat_schedule(sender, **kwargs) -> None:
    from advisoros.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
