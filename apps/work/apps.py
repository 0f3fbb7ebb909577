from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "apps.work"
    label = "work"
    verbose_name = "Work"

    def ready(self) -> None:
        # The "client uploaded the requested documents" trigger listens to the documents
        # app's request items, which it cannot call into us for.
        from apps.work import signals  # noqa: F401
