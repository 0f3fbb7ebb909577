"""Templates can start a new job when a client signs a proposal; jobs remember what
started them, unique per (template, client, start key), so such a start happens once.
The library's onboarding starts at signing for a client who has none yet."""

from django.db import migrations, models


def onboarding_at_signing(apps, schema_editor):
    WorkflowTemplate = apps.get_model("work", "WorkflowTemplate")
    WorkflowTemplate.objects.filter(library_key="client_onboarding",
                                    start_on_proposal_signed="").update(
        start_on_proposal_signed="first")


class Migration(migrations.Migration):

    dependencies = [
        ("work", "0004_proposal_signed_trigger_and_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflowtemplate",
            name="start_on_proposal_signed",
            field=models.CharField(blank=True, choices=[
                ("", "Never"), ("every", "For every signed proposal"),
                ("first", "Once per client (if the client has no job from it yet)")],
                default="", max_length=8),
        ),
        migrations.AddField(
            model_name="job",
            name="start_key",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.UniqueConstraint(condition=models.Q(("start_key", ""), _negated=True),
                                               fields=("template", "client", "start_key"),
                                               name="work_job_started_once"),
        ),
        migrations.RunPython(onboarding_at_signing, migrations.RunPython.noop),
    ]
