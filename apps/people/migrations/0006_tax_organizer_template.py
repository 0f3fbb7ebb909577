"""Every firm starts with the personal tax organizer template."""

from django.db import migrations


def create(apps, schema_editor):
    from apps.people.tax_organizer import TAX_ORGANIZER, TAX_ORGANIZER_NAME

    template = apps.get_model("people", "OrganizerTemplate")
    if not template.objects.filter(name=TAX_ORGANIZER_NAME).exists():
        template.objects.create(name=TAX_ORGANIZER_NAME, definition=TAX_ORGANIZER,
                                description="Income, deductions and the documents we need "
                                            "for your personal return.")


class Migration(migrations.Migration):
    dependencies = [("people", "0005_organizers")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
