from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "apps.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        # Celery task timing and query observation inside tasks (worker processes).
        from apps.observability import celery_signals  # noqa: F401
