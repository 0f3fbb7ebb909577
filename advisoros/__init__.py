"""AdvisorOS project package: settings, URL configuration, Celery app, shared infrastructure."""

from advisoros.celery import app as celery_app

__all__ = ["celery_app"]
