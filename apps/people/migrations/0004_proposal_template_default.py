"""Every firm starts with one proposal template (tax return plus monthly bookkeeping)."""

from django.db import migrations

TERMS = (
    "Scope. We will prepare the federal and state income tax returns named above from the "
    "information you provide, and keep your books monthly. We do not audit or verify that "
    "information.\n"
    "Your part. You are responsible for the completeness and accuracy of the records you give "
    "us, and for keeping the originals.\n"
    "Fees. Fixed fees are billed when the work is delivered; recurring fees are invoiced at "
    "the start of each period; hourly work is billed monthly in arrears. Invoices are due in "
    "30 days.\n"
    "Term. This engagement continues until either of us ends it in writing with 30 days' "
    "notice; fees for work done until then remain due.")

LINES = [
    {"service": "Individual income tax return", "description": "Federal and one state return",
     "fee_type": "fixed", "amount": "850.00", "frequency": "", "engagement_type": "tax_return"},
    {"service": "Monthly bookkeeping", "description": "Reconciliation and monthly statements",
     "fee_type": "recurring", "amount": "450.00", "frequency": "monthly",
     "engagement_type": "bookkeeping"},
    {"service": "Advisory hours", "description": "Planning questions as they come up",
     "fee_type": "hourly", "amount": "175.00", "frequency": "",
     "engagement_type": "cfo_advisory"},
]


def create(apps, schema_editor):
    template = apps.get_model("people", "ProposalTemplate")
    if not template.objects.exists():
        template.objects.create(name="Tax return and monthly bookkeeping",
                                introduction="Thank you for the opportunity to work with you. "
                                             "This letter sets out what we will do and our fees.",
                                terms=TERMS, lines=LINES)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_proposals")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
