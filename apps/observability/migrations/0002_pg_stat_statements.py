"""Create pg_stat_statements where the server ships it and lets us.

The embedded pgserver build does not ship the extension; managed servers usually do but
may refuse CREATE EXTENSION to a non-superuser. Either way the migration succeeds and the
dashboard explains what is missing (apps/observability/pgstats.py).
"""

from django.db import DatabaseError, migrations, transaction


def create_if_shipped(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.schema_name != "public":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'")
        if cursor.fetchone() is None:
            return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    except DatabaseError:
        pass  # not allowed here: pgstats.py tells the operator what to do


class Migration(migrations.Migration):
    dependencies = [("observability", "0001_initial")]

    operations = [migrations.RunPython(create_if_shipped, migrations.RunPython.noop)]
