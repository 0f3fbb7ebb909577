from django.apps import AppConfig


class ClientHealthConfig(AppConfig):
    name = "apps.clienthealth"
    label = "clienthealth"
    verbose_name = "Client health"
    default_auto_field = "django.db.models.BigAutoField"
