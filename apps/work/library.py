"""The starter library of workflow templates every firm begins with.

Plain data plus one installer that takes the model classes, so the same code runs in the
data migration (historical models: the template schema gets the library, and new firms are
cloned from it) and in `template_library_install` for firms that want it back.
"""

from __future__ import annotations

from decimal import Decimal

# A stage: (name, required, wip_limit, [(title, role, skill, hours, due_offset_days)]).
# Automations: (trigger, stage name or None, action, config).
_WAIT = "Waiting for documents"

LIBRARY: list[dict] = [
    {
        "key": "individual_1040",
        "name": "Individual tax return (1040)",
        "description": "Personal income tax return: organizer and documents, preparation, "
                       "review, e-signature (Form 8879) and e-filing. Due April 15; an "
                       "extension (Form 4868) moves it to October 15.",
        "due_rule": "individual_return", "extension_months": 6, "frequency": "yearly",
        "stages": [
            (_WAIT, True, None, [
                ("Send organizer and document request", "", "", "0.25", -60),
                ("Confirm every document received", "tax_preparer", "tax", "0.5", -40)]),
            ("Preparation", True, 25, [
                ("Enter W-2, 1099 and K-1 income", "tax_preparer", "tax", "2", -25),
                ("Prepare schedules (A, C, D, E) and credits", "tax_preparer", "tax", "3",
                 -20)]),
            ("Review", True, 15, [
                ("Manager review of the return", "manager", "review", "1", -12)]),
            ("Client signature", True, None, [
                ("Send Form 8879 for e-signature", "tax_preparer", "", "0.25", -7)]),
            ("Filing", True, None, [
                ("E-file and confirm IRS acceptance", "tax_preparer", "tax", "0.5", 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [
            ("job_created", None, "request_documents", {
                "title": "Documents for your tax return",
                "items": ["W-2 forms", "1099 forms (interest, dividends, brokerage)",
                          "Prior year tax return", "Receipts for deductions"]}),
            ("documents_received", _WAIT, "advance", {}),
            ("task_completed", None, "advance_when_done", {}),
            ("stage_entered", "Filing", "draft_invoice", {}),
        ],
    },
    {
        "key": "s_corp_1120s",
        "name": "S-corporation return (1120-S)",
        "description": "S-corp return with shareholder K-1s. Due March 15; an extension "
                       "(Form 7004) moves it to September 15.",
        "due_rule": "pass_through_return", "extension_months": 6, "frequency": "yearly",
        "stages": [
            ("Books closed", True, None, [
                ("Confirm year-end books are closed", "bookkeeper", "bookkeeping", "2", -45),
                ("Request trial balance and payroll reports", "", "", "0.25", -45)]),
            ("Preparation", True, 20, [
                ("Prepare 1120-S and shareholder K-1s", "senior_accountant", "tax", "6", -20),
                ("Reconcile basis and distributions", "senior_accountant", "tax", "2", -18)]),
            ("Review", True, 10, [
                ("Partner review", "partner", "review", "1.5", -10)]),
            ("Client signature", True, None, [
                ("Send Form 8879-S for e-signature", "", "", "0.25", -5)]),
            ("Filing", True, None, [
                ("E-file and send K-1s to shareholders", "senior_accountant", "tax", "0.5",
                 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [
            ("task_completed", None, "advance_when_done", {}),
            ("stage_entered", "Filing", "draft_invoice", {}),
        ],
    },
    {
        "key": "partnership_1065",
        "name": "Partnership return (1065)",
        "description": "Partnership return with partner K-1s. Due March 15; an extension "
                       "(Form 7004) moves it to September 15.",
        "due_rule": "pass_through_return", "extension_months": 6, "frequency": "yearly",
        "stages": [
            (_WAIT, True, None, [
                ("Request trial balance and partner changes", "", "", "0.25", -45)]),
            ("Preparation", True, 20, [
                ("Prepare 1065 and partner K-1s", "senior_accountant", "tax", "6", -20),
                ("Update partner capital accounts", "senior_accountant", "tax", "2", -18)]),
            ("Review", True, 10, [("Partner review", "partner", "review", "1.5", -10)]),
            ("Filing", True, None, [
                ("E-file and distribute K-1s", "senior_accountant", "tax", "0.5", 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [
            ("job_created", None, "request_documents", {
                "title": "Documents for the partnership return",
                "items": ["Year-end trial balance", "Partner ownership changes",
                          "Fixed asset additions"]}),
            ("documents_received", _WAIT, "advance", {}),
            ("task_completed", None, "advance_when_done", {}),
            ("stage_entered", "Filing", "draft_invoice", {}),
        ],
    },
    {
        "key": "monthly_close",
        "name": "Monthly close",
        "description": "Month-end bookkeeping close: statements, reconciliations, review "
                       "and reports, due on the 15th of the following month.",
        "due_rule": "month_end_plus_15", "extension_months": 0, "frequency": "monthly",
        "stages": [
            ("Collect statements", True, None, [
                ("Download bank and card statements", "bookkeeper", "bookkeeping", "0.5",
                 -12)]),
            ("Reconcile", True, 40, [
                ("Categorise transactions", "bookkeeper", "bookkeeping", "2", -8),
                ("Reconcile bank and card accounts", "bookkeeper", "bookkeeping", "1.5",
                 -6)]),
            ("Review", True, 20, [
                ("Review the close and accruals", "senior_accountant", "review", "1", -3)]),
            ("Deliver reports", False, None, [
                ("Send P&L and balance sheet to the client", "bookkeeper", "", "0.5", 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [("task_completed", None, "advance_when_done", {})],
    },
    {
        "key": "payroll_run",
        "name": "Payroll run",
        "description": "Monthly payroll: hours, processing, approval, tax deposits.",
        "due_rule": "month_end", "extension_months": 0, "frequency": "monthly",
        "stages": [
            ("Collect hours", True, None, [
                ("Collect timesheets and changes", "bookkeeper", "payroll", "0.5", -5)]),
            ("Process", True, None, [
                ("Run payroll", "bookkeeper", "payroll", "1", -3)]),
            ("Approve", True, None, [
                ("Client approves the payroll register", "", "", "0.25", -2)]),
            ("Taxes and filings", True, None, [
                ("Deposit payroll taxes", "bookkeeper", "payroll", "0.5", 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [("task_completed", None, "advance_when_done", {})],
    },
    {
        "key": "quarterly_cfo_review",
        "name": "Quarterly CFO review",
        "description": "Fractional CFO quarter review: KPIs, forecast update and a meeting "
                       "with the owners, 20 days after the quarter ends.",
        "due_rule": "quarter_end_plus_20", "extension_months": 0, "frequency": "quarterly",
        "stages": [
            ("Gather financials", True, None, [
                ("Pull quarter financials and KPIs", "advisor", "advisory", "2", -10)]),
            ("Analysis", True, 10, [
                ("Update the 12-month forecast", "advisor", "advisory", "3", -6),
                ("Draft the board pack", "advisor", "advisory", "2", -4)]),
            ("Meeting", True, None, [
                ("Hold the review meeting", "advisor", "advisory", "1.5", 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [
            ("task_completed", None, "advance_when_done", {}),
            ("stage_entered", "Meeting", "draft_invoice", {}),
        ],
    },
    {
        "key": "quarterly_estimates",
        "name": "Quarterly estimated taxes",
        "description": "Estimated tax payment (Form 1040-ES): due April 15, June 15, "
                       "September 15 and January 15.",
        "due_rule": "quarterly_estimate", "extension_months": 0, "frequency": "quarterly",
        "stages": [
            ("Calculate", True, None, [
                ("Calculate the estimate from year-to-date income", "tax_preparer", "tax",
                 "1", -7)]),
            ("Notify client", True, None, [
                ("Send the payment voucher to the client", "tax_preparer", "", "0.25", -5)]),
            ("Complete", True, None, []),
        ],
        "automations": [("task_completed", None, "advance_when_done", {})],
    },
    {
        "key": "client_onboarding",
        "name": "New client onboarding",
        "description": "Engagement letter, identity and tax details, access to the "
                       "client's accounting system, first document requests and the "
                       "portal invitation.",
        "due_rule": "start_plus_14", "extension_months": 0, "frequency": "",
        "start_for_new_clients": True,
        "stages": [
            ("Engagement letter", True, None, [
                ("Send and collect the signed engagement letter", "manager", "", "0.5",
                 -12)]),
            ("Identity and tax details", True, None, [
                ("Verify identity and record tax IDs", "senior_accountant", "", "0.5", -10)]),
            ("Systems access", False, None, [
                ("Get access to the accounting system", "bookkeeper", "bookkeeping", "0.5",
                 -8)]),
            ("First documents", True, None, [
                ("Review the first documents received", "senior_accountant", "", "1",
                 -3)]),
            ("Portal invitation", False, None, [
                ("Invite the client to the portal", "manager", "", "0.25", 0)]),
            ("Complete", True, None, []),
        ],
        "automations": [
            ("job_created", None, "request_documents", {
                "title": "Welcome: documents to get started",
                "items": ["Prior two years of tax returns", "Latest bank statements",
                          "Photo ID of the owners"]}),
            ("task_completed", None, "advance_when_done", {}),
        ],
    },
]


def library_install(*, WorkflowTemplate, TemplateStage, TemplateTask, TemplateAutomation,
                    keys: set[str] | None = None) -> int:
    """Create the library's templates that are missing (by key); returns how many."""
    existing = set(WorkflowTemplate.objects.exclude(library_key="")
                   .values_list("library_key", flat=True))
    created = 0
    for entry in LIBRARY:
        if entry["key"] in existing or (keys is not None and entry["key"] not in keys):
            continue
        template = WorkflowTemplate.objects.create(
            name=entry["name"], description=entry["description"], library_key=entry["key"],
            due_rule=entry["due_rule"], extension_months=entry["extension_months"],
            default_frequency=entry["frequency"],
            start_for_new_clients=entry.get("start_for_new_clients", False))
        stages = {}
        for position, (name, required, wip_limit, tasks) in enumerate(entry["stages"],
                                                                       start=1):
            stage = TemplateStage.objects.create(template=template, position=position,
                                                 name=name, required=required,
                                                 wip_limit=wip_limit)
            stages[name] = stage
            TemplateTask.objects.bulk_create([
                TemplateTask(stage=stage, position=index, title=title, required_role=role,
                             required_skill=skill, estimated_hours=Decimal(hours),
                             due_offset_days=offset)
                for index, (title, role, skill, hours, offset) in enumerate(tasks, start=1)])
        TemplateAutomation.objects.bulk_create([
            TemplateAutomation(template=template, trigger=trigger,
                               stage=stages[stage_name] if stage_name else None,
                               action=action, config=config)
            for trigger, stage_name, action, config in entry["automations"]])
        created += 1
    return created
