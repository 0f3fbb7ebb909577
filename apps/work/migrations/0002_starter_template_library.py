"""Every firm starts with the starter library of workflow templates.

Runs in each firm schema, and in the template schema new firms are cloned from (with its
rows), so firms created later have the library too. Installing skips templates whose
library key exists, so running it again adds nothing."""

from django.db import migrations


def install(apps, schema_editor):
    from apps.work.library import library_install

    library_install(
        WorkflowTemplate=apps.get_model("work", "WorkflowTemplate"),
        TemplateStage=apps.get_model("work", "TemplateStage"),
        TemplateTask=apps.get_model("work", "TemplateTask"),
        TemplateAutomation=apps.get_model("work", "TemplateAutomation"),
    )


class Migration(migrations.Migration):
    dependencies = [("work", "0001_jobs_templates_time")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
