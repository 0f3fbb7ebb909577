"""gunicorn settings for AdvisorOS, every value overridable from the environment.

Production serves with granian (deploy/web.sh): on the 2-core machine it answers the
mixed read workload faster than either gunicorn worker type (docs/benchmarks.md,
"Serving"). gunicorn stays supported and measured: with gthread workers, keep-alive
connections stick to the worker that accepted them and one worker ends up with most of
the load; sync workers balance but pay a new connection per request. Run:

    gunicorn advisoros.wsgi:application -c deploy/gunicorn.conf.py
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes: one per core plus one covers the time a worker waits on PostgreSQL or Redis.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 4)
# Behind a load balancer that keeps connections open: longer than its idle timeout
# would be wrong, shorter wastes handshakes.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
# Recycle workers now and then so a slow leak never becomes an outage; the jitter keeps
# them from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Each worker opens its own database connections after the fork (django-tenants sets the
# search path per connection): no preloading.
preload_app = False
# "-" (stdout) by default; an empty value turns the access log off (load tests).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# JSON like the application's logs, with the request id the application returns.
access_log_format = (
    '{"ts": "%(t)s", "logger": "gunicorn.access", "remote": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": %(B)s, "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s"}'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def worker_exit(server, worker) -> None:
    """Write the worker's last buffered request metrics to Redis before it goes."""
    try:
        from apps.observability.store import BUFFER
    except Exception:  # the app never loaded in this worker
        return
    BUFFER.flush()
