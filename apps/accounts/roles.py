"""Roles and the permission matrix: the one place that says who may do what.

A membership gives a user exactly one role in one firm. Firm roles cover staff; client
roles cover people at a firm's client, who additionally see only the clients they were
given access to (apps.portal's client access). `apps.accounts.access.has_permission` is
the one function that decides; everything else asks it.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Administrator"
    PARTNER = "partner", "Partner"
    MANAGER = "manager", "Manager"
    SENIOR_ACCOUNTANT = "senior_accountant", "Senior accountant"
    STAFF_ACCOUNTANT = "staff_accountant", "Staff accountant"
    BOOKKEEPER = "bookkeeper", "Bookkeeper"
    TAX_PREPARER = "tax_preparer", "Tax preparer"
    ADVISOR = "advisor", "Advisor"
    AUDITOR = "auditor", "Auditor (read-only)"
    CLIENT_OWNER = "client_owner", "Client owner"
    CLIENT_MEMBER = "client_member", "Client member"


CLIENT_ROLES = frozenset({Role.CLIENT_OWNER, Role.CLIENT_MEMBER})
STAFF_ROLES = frozenset(set(Role) - CLIENT_ROLES)


class Perm(models.TextChoices):
    """Permissions, named `<area>.<action>`. Add one here, then grant it below."""

    FIRM_MANAGE = "firm.manage", "Change firm settings and plan"
    MEMBERS_VIEW = "members.view", "See the firm's people"
    MEMBERS_MANAGE = "members.manage", "Invite people and change roles"
    STAFF_AREA = "staff.access", "Use the staff area"
    ADMIN_SITE = "admin.access", "Use the firm admin"
    CLIENTS_VIEW = "clients.view", "See clients"
    CLIENTS_EDIT = "clients.edit", "Create and edit clients"
    CLIENTS_DELETE = "clients.delete", "Archive clients"
    ENGAGEMENTS_VIEW = "engagements.view", "See engagements"
    ENGAGEMENTS_EDIT = "engagements.edit", "Create and edit engagements"
    TASKS_VIEW = "tasks.view", "See tasks"
    TASKS_EDIT = "tasks.edit", "Create, assign and complete tasks"
    DOCUMENTS_VIEW = "documents.view", "See documents"
    DOCUMENTS_UPLOAD = "documents.upload", "Upload documents"
    DOCUMENTS_REVIEW = "documents.review", "Review and reclassify documents"
    DOCUMENTS_DELETE = "documents.delete", "Delete documents"
    INVOICES_VIEW = "invoices.view", "See invoices"
    INVOICES_EDIT = "invoices.edit", "Create, send and void invoices"
    PAYMENTS_RECORD = "payments.record", "Record payments"
    REPORTS_VIEW = "reports.view", "See firm reports"
    AUDIT_VIEW = "audit.view", "Browse and export the audit trail"
    SENSITIVE_REVEAL = "sensitive.reveal", "Reveal SSNs, tax IDs and bank accounts"
    API_KEYS_MANAGE = "api_keys.manage", "Manage API keys"
    MARKETPLACE_REQUEST = "marketplace.request", "Request marketplace advisors"
    ADVISORY_DELIVER = "advisory.deliver", "Deliver marketplace engagements"
    BOOKS_CONNECT = "books.connect", "Connect and sync clients' accounting systems"
    WEBHOOKS_MANAGE = "webhooks.manage", "Manage outgoing webhooks"
    PORTAL_ACCESS = "portal.access", "Use the client portal"
    PORTAL_UPLOAD = "portal.upload", "Upload documents in the portal"
    PORTAL_PAY = "portal.pay", "Pay invoices in the portal"
    PORTAL_MANAGE_USERS = "portal.manage_users", "Manage the client's portal users"
    PORTAL_REQUEST_ADVISOR = "portal.request_advisor", "Request a marketplace advisor for "\
        "one's own company"
    WORK_TEMPLATES_EDIT = "work.templates_edit", "Create and edit workflow templates"
    WORK_TIME_VIEW_ALL = "work.time_view_all", "See other people's time"
    WORK_STAGE_OVERRIDE = "work.stage_override", "Move a job past a required stage"
    WORK_CAPACITY_EDIT = "work.capacity_edit", "Change capacity and rebalance work"

    # People and conversations (apps/people); granted at the end of this module.
    CLIENT_USERS_INVITE = "clients.invite", "Invite and remove a client's portal users"
    MESSAGES_USE = "messages.use", "Read and answer client messages"
    PROPOSALS_MANAGE = "proposals.manage", "Build, send and withdraw proposals"
    ORGANIZERS_MANAGE = "organizers.manage", "Build organizers and send them to clients"
    ORGANIZER_TEMPLATES_EDIT = "organizers.templates_edit", "Create and edit organizer templates"
    PROPOSAL_TEMPLATES_EDIT = "proposals.templates_edit", "Create and edit proposal templates"

    # Firm BI and ROI (apps/insight); granted at the end of this module.
    INSIGHT_BI_VIEW = "insight.bi_view", "See firm BI and the ROI of the product"

    # Portal preview (apps/portal/preview.py); granted at the end of this module.
    PORTAL_PREVIEW = "portal.preview", "See the portal as a client sees it (read-only)"

    # Client health and compliance monitor (apps/clienthealth, apps/compliance); granted
    # at the end of this module.
    CLIENT_HEALTH_VIEW = "client_health.view", "See clients' health scores"
    COMPLIANCE_VIEW = "compliance.view", "See compliance findings"
    COMPLIANCE_RESOLVE = "compliance.resolve", "Resolve compliance findings"
    COMPLIANCE_DELETION_APPROVE = "compliance.deletion_approve", "Request and approve "\
        "deletion of documents past retention"


_READ = frozenset({
    Perm.STAFF_AREA, Perm.MEMBERS_VIEW, Perm.CLIENTS_VIEW, Perm.ENGAGEMENTS_VIEW,
    Perm.TASKS_VIEW, Perm.DOCUMENTS_VIEW, Perm.INVOICES_VIEW,
})
_PRACTICE_WORK = _READ | {
    Perm.TASKS_EDIT, Perm.DOCUMENTS_UPLOAD, Perm.DOCUMENTS_REVIEW, Perm.ENGAGEMENTS_EDIT,
}
_MANAGEMENT = _PRACTICE_WORK | {
    Perm.CLIENTS_EDIT, Perm.INVOICES_EDIT, Perm.PAYMENTS_RECORD, Perm.REPORTS_VIEW,
    Perm.MARKETPLACE_REQUEST, Perm.ADMIN_SITE, Perm.DOCUMENTS_DELETE, Perm.BOOKS_CONNECT,
}
_LEADERSHIP = _MANAGEMENT | {
    Perm.CLIENTS_DELETE, Perm.AUDIT_VIEW, Perm.SENSITIVE_REVEAL, Perm.MEMBERS_MANAGE,
}
_CLIENT_MEMBER = frozenset({Perm.PORTAL_ACCESS, Perm.PORTAL_UPLOAD})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(Perm) - {Perm.PORTAL_ACCESS, Perm.PORTAL_UPLOAD, Perm.PORTAL_PAY,
                                    Perm.PORTAL_MANAGE_USERS, Perm.PORTAL_REQUEST_ADVISOR},
    Role.ADMIN: _LEADERSHIP | {Perm.FIRM_MANAGE, Perm.API_KEYS_MANAGE, Perm.WEBHOOKS_MANAGE},
    Role.PARTNER: _LEADERSHIP,
    Role.MANAGER: _MANAGEMENT | {Perm.SENSITIVE_REVEAL},
    Role.SENIOR_ACCOUNTANT: _PRACTICE_WORK | {Perm.CLIENTS_EDIT, Perm.SENSITIVE_REVEAL,
                                               Perm.REPORTS_VIEW},
    Role.STAFF_ACCOUNTANT: _PRACTICE_WORK,
    Role.BOOKKEEPER: _PRACTICE_WORK | {Perm.INVOICES_EDIT, Perm.PAYMENTS_RECORD,
                                        Perm.BOOKS_CONNECT},
    Role.TAX_PREPARER: _PRACTICE_WORK | {Perm.SENSITIVE_REVEAL},
    Role.ADVISOR: _READ | {Perm.TASKS_EDIT, Perm.DOCUMENTS_UPLOAD, Perm.REPORTS_VIEW,
                           Perm.ADVISORY_DELIVER},
    Role.AUDITOR: _READ | {Perm.REPORTS_VIEW, Perm.AUDIT_VIEW},
    Role.CLIENT_OWNER: _CLIENT_MEMBER | {Perm.PORTAL_PAY, Perm.PORTAL_MANAGE_USERS,
                                         Perm.PORTAL_REQUEST_ADVISOR},
    Role.CLIENT_MEMBER: _CLIENT_MEMBER,
}


# Work management (apps/work): managers and up run the pipeline; owners get every
# permission above already.
_WORK_MANAGEMENT = frozenset({Perm.WORK_TEMPLATES_EDIT, Perm.WORK_TIME_VIEW_ALL,
                              Perm.WORK_STAGE_OVERRIDE, Perm.WORK_CAPACITY_EDIT})
for _role in (Role.ADMIN, Role.PARTNER, Role.MANAGER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _WORK_MANAGEMENT
ROLE_PERMISSIONS[Role.AUDITOR] = ROLE_PERMISSIONS[Role.AUDITOR] | {Perm.WORK_TIME_VIEW_ALL}


def permissions_for_role(role: str | None) -> frozenset[str]:
    """Unknown or missing roles get nothing: deny by default."""
    if role is None:
        return frozenset()
    return ROLE_PERMISSIONS.get(role, frozenset())


def is_client_role(role: str | None) -> bool:
    return role in CLIENT_ROLES


# --- People and conversations (apps/people, docs/people.md) -------------------------------
# Granted here rather than woven into the sets above, so the matrix's lines stay as they are.
_PEOPLE_GRANTS: dict[str, set[str]] = {
    Perm.CLIENT_USERS_INVITE: {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.MANAGER,
                               Role.SENIOR_ACCOUNTANT},
    Perm.MESSAGES_USE: set(STAFF_ROLES) - {Role.AUDITOR},
    Perm.PROPOSALS_MANAGE: {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.MANAGER},
    Perm.ORGANIZERS_MANAGE: set(STAFF_ROLES) - {Role.AUDITOR, Role.ADVISOR},
    Perm.ORGANIZER_TEMPLATES_EDIT: {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.MANAGER},
    Perm.PROPOSAL_TEMPLATES_EDIT: {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.MANAGER},
}
for _perm, _roles in _PEOPLE_GRANTS.items():
    for _role in _roles:
        ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {_perm}


# --- Firm BI and ROI (apps/insight, docs/insight.md) --------------------------------------
# Firm-wide revenue, realization and everyone's utilization: the firm's leadership only.
for _role in (Role.ADMIN, Role.PARTNER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.INSIGHT_BI_VIEW}

# --- Portal preview (apps/portal/preview.py) --------------------------------------------
# Owners hold it already (every permission); the other firm leaders may preview too.
for _role in (Role.ADMIN, Role.PARTNER, Role.MANAGER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.PORTAL_PREVIEW}

# --- Client health and compliance monitor (apps/clienthealth, apps/compliance) -----------
_MONITOR_GRANTS: dict[str, set[str]] = {
    # Health scores speak about clients' behaviour: the people who look after clients.
    Perm.CLIENT_HEALTH_VIEW: {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.MANAGER},
    # The monitor is for partners (and the firm's leadership); auditors may read it.
    Perm.COMPLIANCE_VIEW: {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.AUDITOR},
    Perm.COMPLIANCE_RESOLVE: {Role.OWNER, Role.ADMIN, Role.PARTNER},
    Perm.COMPLIANCE_DELETION_APPROVE: {Role.OWNER, Role.ADMIN, Role.PARTNER},
}
for _perm, _roles in _MONITOR_GRANTS.items():
    for _role in _roles:
        ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {_perm}
