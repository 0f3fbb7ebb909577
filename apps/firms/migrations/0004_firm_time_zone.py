import django.db.models
from django.db import migrations

import apps.firms.models


class Migration(migrations.Migration):

    dependencies = [
        ("firms", "0003_firm_mfa_required_for_clients_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="firm",
            name="time_zone",
            field=django.db.models.CharField(
                default="America/New_York",
                help_text="Dates and times on staff and portal pages are shown in this zone.",
                max_length=64,
                validators=[apps.firms.models.validate_time_zone],
            ),
        ),
    ]
