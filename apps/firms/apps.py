from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "apps.firms"
    label = "firms"
    verbose_name = "Firms"

    def ready(self) -> None:
        from apps.firms import signals  # noqa: F401 - connects cache invalidation
