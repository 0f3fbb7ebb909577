from django.db import migrations, models


class Migration(migrations.Migration):
    """The staff client list sorted by revenue pages through (annual_revenue, id) with
    keyset pagination: an index on exactly that makes any page an index range scan."""

    dependencies = [
        ("portal", "0004_client_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["annual_revenue", "id"], name="client_revenue"),
        ),
    ]
