from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "apps.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from apps.security import (  # noqa: F401
            schema,  # the API-key scheme in the OpenAPI schema
            signals,  # sign-in records and lockout audit
        )
