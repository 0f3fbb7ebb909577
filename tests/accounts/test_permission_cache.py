import pytest
from django.core.exceptions import ValidationError

from apps.accounts.access import has_permission
from apps.accounts.models import Membership
from apps.accounts.roles import Perm, Role
from apps.accounts.services import membership_deactivate, membership_role_set

pytestmark = pytest.mark.django_db


def test_warm_permission_check_runs_no_query(firm_a, django_assert_num_queries):
    user = firm_a.user(Role.MANAGER)
    has_permission(user, firm_a.firm, Perm.CLIENTS_VIEW)

    with django_assert_num_queries(0):
        assert has_permission(user, firm_a.firm, Perm.CLIENTS_EDIT)
        assert not has_permission(user, firm_a.firm, Perm.MEMBERS_MANAGE)


def test_denials_are_cached_too(firm_a, firm_b, django_assert_num_queries):
    outsider = firm_b.user(Role.OWNER)
    has_permission(outsider, firm_a.firm, Perm.CLIENTS_VIEW)

    with django_assert_num_queries(0):
        assert not has_permission(outsider, firm_a.firm, Perm.CLIENTS_VIEW)


def test_role_change_takes_effect_at_once(firm_a, django_capture_on_commit_callbacks):
    user = firm_a.user(Role.STAFF_ACCOUNTANT)
    assert not has_permission(user, firm_a.firm, Perm.INVOICES_EDIT)  # now cached
    membership = Membership.objects.get(user=user, firm=firm_a.firm)

    with django_capture_on_commit_callbacks(execute=True):
        membership_role_set(membership=membership, role=Role.BOOKKEEPER)

    assert has_permission(user, firm_a.firm, Perm.INVOICES_EDIT)


def test_deactivation_takes_effect_at_once(firm_a, django_capture_on_commit_callbacks):
    user = firm_a.user(Role.AUDITOR)
    assert has_permission(user, firm_a.firm, Perm.AUDIT_VIEW)
    membership = Membership.objects.get(user=user, firm=firm_a.firm)

    with django_capture_on_commit_callbacks(execute=True):
        membership_deactivate(membership=membership)

    assert not has_permission(user, firm_a.firm, Perm.AUDIT_VIEW)


def test_a_plain_save_of_a_membership_also_invalidates(firm_a, django_capture_on_commit_callbacks):
    user = firm_a.user(Role.ADVISOR)
    assert not has_permission(user, firm_a.firm, Perm.CLIENTS_EDIT)

    with django_capture_on_commit_callbacks(execute=True):
        membership = Membership.objects.get(user=user, firm=firm_a.firm)
        membership.role = Role.MANAGER
        membership.save()

    assert has_permission(user, firm_a.firm, Perm.CLIENTS_EDIT)


def test_unknown_role_is_refused(firm_a):
    membership = Membership.objects.get(user=firm_a.user(Role.ADVISOR), firm=firm_a.firm)

    with pytest.raises(ValidationError) as excinfo:
        membership_role_set(membership=membership, role="emperor")

    assert excinfo.value.message_dict == {"role": ["'emperor' is not a role."]}
    membership.refresh_from_db()
    assert membership.role == Role.ADVISOR


def test_last_owner_cannot_be_demoted(firm_a):
    membership = Membership.objects.get(user=firm_a.user(Role.OWNER), firm=firm_a.firm)

    with pytest.raises(ValidationError):
        membership_role_set(membership=membership, role=Role.MANAGER)

    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_role_changes_are_audited_in_the_firms_trail(firm_a):
    from django_tenants.utils import schema_context

    from apps.audit.models import AuditAction, AuditEvent

    membership = Membership.objects.get(user=firm_a.user(Role.ADVISOR), firm=firm_a.firm)
    membership_role_set(membership=membership, role=Role.MANAGER, by=firm_a.user(Role.OWNER))

    with schema_context(firm_a.firm.schema_name):
        event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED).first()
    assert event.details == {"email": firm_a.user(Role.ADVISOR).email,
                             "before": Role.ADVISOR, "after": Role.MANAGER}
    assert event.actor_email == firm_a.user(Role.OWNER).email
