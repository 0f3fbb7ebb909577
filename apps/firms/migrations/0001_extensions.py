from django.db import migrations


class Migration(migrations.Migration):
    """pgvector, created once in the public schema before any tenant migration, so every
    firm schema finds the `vector` type through its search path."""

    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
