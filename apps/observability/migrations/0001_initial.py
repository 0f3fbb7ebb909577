from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="AlertEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("rule", models.CharField(choices=[
                    ("p95_latency", "p95 latency above 500 ms for 5 minutes"),
                    ("error_rate", "Error rate above 1 %"),
                    ("cache_hit_ratio", "Cache hit ratio below 60 %"),
                    ("queue_depth", "Celery queue depth above 100")], max_length=40)),
                ("threshold", models.FloatField()),
                ("fired_value", models.FloatField(
                    help_text="What the rule measured when it fired.")),
                ("last_value", models.FloatField(
                    blank=True, null=True,
                    help_text="The latest measurement while it was firing.")),
                ("detail", models.CharField(blank=True, max_length=300)),
                ("fired_at", models.DateTimeField()),
                ("cleared_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-fired_at", "-pk"],
                "indexes": [models.Index(fields=["-fired_at"], name="obs_alert_fired_idx")],
                "constraints": [models.UniqueConstraint(
                    condition=models.Q(("cleared_at__isnull", True)), fields=("rule",),
                    name="obs_one_open_alert_per_rule")],
            },
        ),
    ]
