from django.apps import AppConfig


class AskConfig(AppConfig):
    name = "apps.ask"
    label = "ask"
    verbose_name = "Ask your documents"
