"""Firm BI: the window row and the materialized views (apps/insight/bi_sql.py); the ROI
assumptions table. Runs in every firm schema."""

from decimal import Decimal

from django.db import migrations, models

from apps.insight.bi_sql import CREATE_WINDOW, DROP_WINDOW, create_statements, drop_statements


class Migration(migrations.Migration):

    dependencies = [
        ("insight", "0001_forecasts"),
        ("billing", "0006_payment_intents"),
        ("documents", "0003_dispatch_heartbeat_and_large_lane"),
        ("portal", "0005_client_revenue_index"),
        ("work", "0004_proposal_signed_trigger_and_schedules"),
    ]

    operations = [
        migrations.RunSQL(CREATE_WINDOW, DROP_WINDOW),
        migrations.RunSQL(create_statements(), drop_statements()),
        migrations.CreateModel(
            name="RoiAssumptions",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("minutes_per_document", models.DecimalField(
                    decimal_places=2, default=Decimal("4"), max_digits=6,
                    verbose_name="Minutes to classify and file one document by hand")),
                ("minutes_per_automation", models.DecimalField(
                    decimal_places=2, default=Decimal("5"), max_digits=6,
                    verbose_name="Minutes one workflow automation would take by hand")),
                ("minutes_per_online_payment", models.DecimalField(
                    decimal_places=2, default=Decimal("6"), max_digits=6,
                    verbose_name="Minutes to record and reconcile one payment by hand")),
                ("minutes_per_routing_decision", models.DecimalField(
                    decimal_places=2, default=Decimal("3"), max_digits=6,
                    verbose_name="Minutes to choose who does one task")),
                ("minutes_per_rebalance", models.DecimalField(
                    decimal_places=2, default=Decimal("15"), max_digits=6,
                    verbose_name="Minutes to rebalance one job's open tasks by hand")),
                ("hourly_value", models.DecimalField(
                    blank=True, decimal_places=2, max_digits=8, null=True,
                    verbose_name="Value of one staff hour")),
                ("currency", models.CharField(default="USD", max_length=3)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("updated_by_id", models.BigIntegerField(blank=True, null=True)),
            ],
            options={
                "verbose_name_plural": "ROI assumptions",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(id=1),
                                           name="insight_roi_assumptions_one_row"),
                    models.CheckConstraint(
                        condition=models.Q(minutes_per_document__gte=0,
                                           minutes_per_automation__gte=0,
                                           minutes_per_online_payment__gte=0,
                                           minutes_per_routing_decision__gte=0,
                                           minutes_per_rebalance__gte=0),
                        name="insight_roi_minutes_not_negative"),
                    models.CheckConstraint(
                        condition=models.Q(hourly_value__gte=0)
                        | models.Q(hourly_value=None),
                        name="insight_roi_hourly_value_not_negative"),
                ],
            },
        ),
    ]
