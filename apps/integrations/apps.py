from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Integrations: QuickBooks Online and outgoing webhooks"

    def ready(self) -> None:
        from apps.integrations import signals  # noqa: F401 - connects the event receivers
