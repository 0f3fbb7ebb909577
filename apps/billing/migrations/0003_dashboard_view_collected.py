"""Recreate the client dashboard view: partially paid invoices are open, and "revenue
paid" is what was collected and kept (total - balance - refunded), in every firm schema."""

from django.db import migrations

from apps.portal.dashboard_sql import CREATE_INDEXES, CREATE_VIEW, CREATE_VIEW_V1, DROP_VIEW


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_lines_payments_recurring"),
        ("portal", "0002_client_dashboard_metrics"),
    ]

    operations = [
        migrations.RunSQL([DROP_VIEW, CREATE_VIEW, *CREATE_INDEXES],
                          [DROP_VIEW, CREATE_VIEW_V1, *CREATE_INDEXES]),
    ]
