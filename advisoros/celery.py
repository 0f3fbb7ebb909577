"""The Celery app. Tasks run in the schema of the firm that queued them.

tenant-schemas-celery's CeleryApp stamps the current schema on every message it sends and
switches to it in the worker before the task runs; a plain Celery app would silently run
everything in the public schema.
"""

import os

from tenant_schemas_celery.app import CeleryApp

from advisoros.broker_keepalive import UnackedKeepAlive
from advisoros.worker_connections import keep_connections_across_tasks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisoros.settings")

app = CeleryApp("advisoros")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Result backend on Redis: a hung Redis is noticed in seconds, and a result written during a
# short outage is retried (with back-off, capped) rather than failing a task that did its
# work. Set here, not in settings.py: see the note there.
app.conf.update(redis_socket_timeout=30, redis_socket_connect_timeout=5,
                result_backend_always_retry=True, result_backend_max_retries=20)
app.autodiscover_tasks()
# One database connection per worker process, not one per task.
keep_connections_across_tasks(app)
# A short visibility timeout recovers a dead worker's messages quickly; this keeps a live
# worker's messages (long tasks, countdowns) from being delivered twice meanwhile.
app.steps["consumer"].add(UnackedKeepAlive)


@app.on_after_finalize.connect
def _attach_beat_schedule(sender, **kwargs) -> None:
    from advisoros.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
