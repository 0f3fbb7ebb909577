import django.db.models
from django.db import migrations, models


class Migration(migrations.Migration):
    """Seals are filled in by the sealer after the row is written (no lock for writers);
    rows written before this migration are sealed by its first run, under the key."""

    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="chain_seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True)),
        migrations.AddField(
            model_name="auditevent", name="key_id",
            field=models.CharField(blank=True, default="", max_length=16)),
        migrations.AlterField(
            model_name="auditevent", name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64)),
        migrations.AlterField(
            model_name="auditevent", name="hash",
            field=models.CharField(blank=True, default="", max_length=64)),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(condition=django.db.models.Q(("chain_seq__isnull", True)),
                               fields=["id"], name="audit_unsealed")),
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField()),
                ("chain_seq", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("schema_oid", models.BigIntegerField()),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"ordering": ["-id"]},
        ),
    ]
