from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_app_role(sender, using: str = "default", **kwargs) -> None:
    """After every migrate of a schema (public, the template, each firm's), give the
    application's role its grants there: tables created by the migration are the owner's
    (apps/audit/migrations/0004)."""
    from django.db import connections

    from advisoros.db_roles import app_role_name

    connection = connections[using]
    schema = getattr(connection, "schema_name", "public")
    with connection.cursor() as cursor:
        cursor.execute("SELECT f IS NOT NULL AND has_function_privilege(f, 'EXECUTE') "
                       "FROM to_regprocedure('public.advisoros_schema_grant(text, text)') f")
        if not cursor.fetchone()[0]:
            return  # before the audit migrations, or not run as the owner
        cursor.execute("SELECT public.advisoros_schema_grant(%s, %s)", [schema, app_role_name()])


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from apps.audit import signals  # noqa: F401 - records sign-ins and failures

        post_migrate.connect(_grant_app_role, sender=self, dispatch_uid="audit_grant_app_role")
