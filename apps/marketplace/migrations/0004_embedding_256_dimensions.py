"""Advisor embeddings become 256-dimension WordLlama vectors (were 384 hashed n-grams).

A 384-dimension vector cannot be cast to 256 dimensions, and the old vectors mean nothing
to the new embedder anyway: they are cleared together with their source hash, so
`manage.py marketplace_reembed` (batches, with progress) recomputes every advisor. Until it
has run, advisors without a vector score 0 on similarity and still match on business fit.
The column has no vector index (matching is an exact scan, see apps/marketplace/matching.py);
the type change keeps Postgres's storage default, so the inline PLAIN storage of 0002 is
set again.
"""

import pgvector.django.vector
from django.db import migrations

CLEAR = ("UPDATE marketplace_advisorprofile SET embedding = NULL, embedding_source = '' "
         "WHERE embedding IS NOT NULL")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_advisor_payout_account")]

    operations = [
        migrations.RunSQL(CLEAR, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="advisorprofile",
            name="embedding",
            field=pgvector.django.vector.VectorField(blank=True, dimensions=256, null=True),
        ),
        migrations.RunSQL(
            "ALTER TABLE marketplace_advisorprofile ALTER COLUMN embedding SET STORAGE PLAIN",
            migrations.RunSQL.noop,
        ),
        # Going back needs 384-dimension vectors again: clear before the type changes back.
        migrations.RunSQL(migrations.RunSQL.noop, CLEAR),
    ]
