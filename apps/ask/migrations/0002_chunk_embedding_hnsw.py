from django.db import migrations

# On the cast, not the bare column: cloned firm schemas lose vector(256)'s dimensions
# (see apps/ask/models.py), and HNSW needs them. Queries order by the same expression.
class Migration(migrations.Migration):
    dependencies = [("ask", "0001_document_chunks")]

    operations = [migrations.RunSQL(
        "CREATE INDEX ask_chunk_embedding ON ask_documentchunk USING hnsw "
        "((embedding::vector(256)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)",
        "DROP INDEX IF EXISTS ask_chunk_embedding")]
