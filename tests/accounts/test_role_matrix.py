"""Every role, allowed and denied, written out by hand so the matrix cannot drift silently."""

import pytest

from apps.accounts.access import has_permission
from apps.accounts.roles import ROLE_PERMISSIONS, Perm, Role

pytestmark = pytest.mark.django_db

# The decisions that matter most, per role: (allowed, denied).
EXPECTED = {
    Role.OWNER: ({Perm.FIRM_MANAGE, Perm.MEMBERS_MANAGE, Perm.SENSITIVE_REVEAL, Perm.AUDIT_VIEW,
                  Perm.CLIENTS_DELETE, Perm.API_KEYS_MANAGE},
                 {Perm.PORTAL_ACCESS, Perm.PORTAL_PAY}),
    Role.ADMIN: ({Perm.FIRM_MANAGE, Perm.MEMBERS_MANAGE, Perm.API_KEYS_MANAGE, Perm.AUDIT_VIEW},
                 {Perm.PORTAL_ACCESS, Perm.ADVISORY_DELIVER}),
    Role.PARTNER: ({Perm.MEMBERS_MANAGE, Perm.SENSITIVE_REVEAL, Perm.CLIENTS_DELETE,
                    Perm.INVOICES_EDIT},
                   {Perm.FIRM_MANAGE, Perm.API_KEYS_MANAGE, Perm.PORTAL_ACCESS}),
    Role.MANAGER: ({Perm.CLIENTS_EDIT, Perm.INVOICES_EDIT, Perm.ADMIN_SITE, Perm.SENSITIVE_REVEAL},
                   {Perm.MEMBERS_MANAGE, Perm.CLIENTS_DELETE, Perm.AUDIT_VIEW, Perm.FIRM_MANAGE}),
    Role.SENIOR_ACCOUNTANT: ({Perm.CLIENTS_EDIT, Perm.DOCUMENTS_REVIEW, Perm.SENSITIVE_REVEAL},
                             {Perm.INVOICES_EDIT, Perm.ADMIN_SITE, Perm.MEMBERS_MANAGE}),
    Role.STAFF_ACCOUNTANT: ({Perm.CLIENTS_VIEW, Perm.TASKS_EDIT, Perm.DOCUMENTS_UPLOAD},
                            {Perm.CLIENTS_EDIT, Perm.SENSITIVE_REVEAL, Perm.INVOICES_EDIT,
                             Perm.ADMIN_SITE}),
    Role.BOOKKEEPER: ({Perm.INVOICES_EDIT, Perm.PAYMENTS_RECORD, Perm.TASKS_EDIT},
                      {Perm.SENSITIVE_REVEAL, Perm.CLIENTS_EDIT, Perm.AUDIT_VIEW}),
    Role.TAX_PREPARER: ({Perm.SENSITIVE_REVEAL, Perm.DOCUMENTS_REVIEW},
                        {Perm.INVOICES_EDIT, Perm.CLIENTS_EDIT, Perm.PAYMENTS_RECORD}),
    Role.ADVISOR: ({Perm.ADVISORY_DELIVER, Perm.REPORTS_VIEW, Perm.CLIENTS_VIEW},
                   {Perm.CLIENTS_EDIT, Perm.SENSITIVE_REVEAL, Perm.INVOICES_EDIT}),
    Role.AUDITOR: ({Perm.AUDIT_VIEW, Perm.CLIENTS_VIEW, Perm.INVOICES_VIEW, Perm.REPORTS_VIEW},
                   {Perm.CLIENTS_EDIT, Perm.TASKS_EDIT, Perm.DOCUMENTS_UPLOAD,
                    Perm.SENSITIVE_REVEAL, Perm.INVOICES_EDIT, Perm.PAYMENTS_RECORD}),
    Role.CLIENT_OWNER: ({Perm.PORTAL_ACCESS, Perm.PORTAL_UPLOAD, Perm.PORTAL_PAY,
                         Perm.PORTAL_MANAGE_USERS, Perm.PORTAL_REQUEST_ADVISOR},
                        {Perm.STAFF_AREA, Perm.CLIENTS_VIEW, Perm.ADMIN_SITE, Perm.AUDIT_VIEW}),
    Role.CLIENT_MEMBER: ({Perm.PORTAL_ACCESS, Perm.PORTAL_UPLOAD},
                         {Perm.PORTAL_PAY, Perm.PORTAL_MANAGE_USERS, Perm.STAFF_AREA,
                          Perm.PORTAL_REQUEST_ADVISOR, Perm.MARKETPLACE_REQUEST,
                          Perm.DOCUMENTS_VIEW}),
}


def test_every_role_has_expectations_and_a_matrix_row():
    assert set(EXPECTED) == set(Role)
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_role_is_allowed_and_denied_as_expected(firm_a, role):
    allowed, denied = EXPECTED[role]
    user = firm_a.user(role)

    assert {perm for perm in allowed if has_permission(user, firm_a.firm, perm)} == allowed
    assert {perm for perm in denied if has_permission(user, firm_a.firm, perm)} == set()


@pytest.mark.parametrize("role", list(Role))
def test_matrix_is_exactly_what_has_permission_answers(firm_a, role):
    user = firm_a.user(role)

    granted = {perm for perm in Perm if has_permission(user, firm_a.firm, perm)}

    assert granted == set(ROLE_PERMISSIONS[role])


def test_roles_do_not_cross_firms(firm_a, firm_b):
    owner_of_b = firm_b.user(Role.OWNER)

    assert [perm for perm in Perm if has_permission(owner_of_b, firm_a.firm, perm)] == []


def test_anonymous_and_no_firm_are_denied(firm_a):
    from django.contrib.auth.models import AnonymousUser

    assert not has_permission(AnonymousUser(), firm_a.firm, Perm.CLIENTS_VIEW)
    assert not has_permission(firm_a.user(Role.OWNER), None, Perm.CLIENTS_VIEW)
    assert not has_permission(firm_a.user(Role.OWNER), firm_a.firm, "made.up")


def test_inactive_user_is_denied(firm_a, django_capture_on_commit_callbacks):
    user = firm_a.user(Role.PARTNER)
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save(update_fields=["is_active"])

    assert not has_permission(user, firm_a.firm, Perm.CLIENTS_VIEW)
