"""The per-firm dashboard materialized view (runs in every firm schema)."""

from django.db import migrations

# The view as first created; billing 0003 recreates it (CREATE_VIEW is the current one).
from apps.portal.dashboard_sql import CREATE_INDEXES, DROP_VIEW
from apps.portal.dashboard_sql import CREATE_VIEW_V1 as CREATE_VIEW

WINDOW_ROW = ("INSERT INTO portal_dashboard_window (id, documents_since) "
              "VALUES (1, date_trunc('day', now()) - interval '30 days') "
              "ON CONFLICT (id) DO NOTHING")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("documents", "0001_initial"),
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(WINDOW_ROW, migrations.RunSQL.noop),
        migrations.RunSQL([CREATE_VIEW, *CREATE_INDEXES], DROP_VIEW),
    ]
