import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.firms.models import Firm
from apps.security.models import BackupCode
from tests.conftest import sign_in
from tests.security.helpers import complete_mfa, totp_code

pytestmark = pytest.mark.django_db


def _signed_in_without_mfa(world, role):
    client = world.client()
    return sign_in(client, world.user(role), mfa=False)


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF_ACCOUNTANT, Role.AUDITOR, Role.ADVISOR])
def test_staff_must_enrol_before_any_firm_page(firm_a, role):
    client = _signed_in_without_mfa(firm_a, role)

    response = client.get("/security/audit/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/mfa/setup/?next=")


def test_enrolment_shows_a_qr_code_and_gives_ten_single_use_backup_codes(firm_a):
    client = _signed_in_without_mfa(firm_a, Role.MANAGER)
    page = client.get("/accounts/mfa/setup/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=firm_a.user(Role.MANAGER), confirmed=False)

    response = client.post("/accounts/mfa/setup/", {"code": totp_code(device)})

    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/accounts/security/").status_code == 200
    with schema_context(firm_a.firm.schema_name):
        assert AuditEvent.objects.filter(action=AuditAction.MFA_ENROLLED,
                                         actor_email=firm_a.user(Role.MANAGER).email).exists()


def test_wrong_enrolment_code_is_an_inline_error(firm_a):
    client = _signed_in_without_mfa(firm_a, Role.BOOKKEEPER)
    client.get("/accounts/mfa/setup/")

    response = client.post("/accounts/mfa/setup/", {"code": "000000"})

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=firm_a.user(Role.BOOKKEEPER),
                                         confirmed=True).exists()


@pytest.mark.parametrize("bad", ["", "12 34\x0056", "x" * 10_000, "<script>"])
def test_bad_codes_are_form_errors_not_500(firm_a, bad):
    client = _signed_in_without_mfa(firm_a, Role.PARTNER)
    complete_mfa(client, firm_a.user(Role.PARTNER))
    client = _signed_in_without_mfa(firm_a, Role.PARTNER)

    response = client.post("/accounts/mfa/verify/", {"code": bad})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_totp_code_works_once(firm_a):
    user = firm_a.user(Role.TAX_PREPARER)
    complete_mfa(_signed_in_without_mfa(firm_a, Role.TAX_PREPARER), user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp_code(device, offset_steps=1)
    first = _signed_in_without_mfa(firm_a, Role.TAX_PREPARER)
    second = _signed_in_without_mfa(firm_a, Role.TAX_PREPARER)

    assert first.post("/accounts/mfa/verify/", {"code": code}).status_code == 302
    replay = second.post("/accounts/mfa/verify/", {"code": code})

    assert replay.status_code == 200
    assert "already used" in replay.content.decode()
    assert second.get("/security/audit/").headers["Location"].startswith("/accounts/mfa/verify/")


def test_a_backup_code_works_once_and_is_audited(firm_a):
    user = firm_a.user(Role.ADMIN)
    codes = complete_mfa(_signed_in_without_mfa(firm_a, Role.ADMIN), user)
    client = _signed_in_without_mfa(firm_a, Role.ADMIN)

    assert client.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 302
    again = _signed_in_without_mfa(firm_a, Role.ADMIN)
    assert again.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 200
    assert BackupCode.objects.filter(device__user=user).count() == 9
    with schema_context(firm_a.firm.schema_name):
        assert AuditEvent.objects.filter(action=AuditAction.MFA_BACKUP_USED).count() == 1


def test_client_users_need_mfa_only_when_their_firm_requires_it(
        firm_a, django_capture_on_commit_callbacks):
    client = _signed_in_without_mfa(firm_a, Role.CLIENT_OWNER)
    assert client.get("/accounts/security/").status_code == 200
    firm = Firm.objects.get(pk=firm_a.firm.pk)

    with django_capture_on_commit_callbacks(execute=True):
        firm.mfa_required_for_clients = True
        firm.save(update_fields=["mfa_required_for_clients"])

    client = _signed_in_without_mfa(firm_a, Role.CLIENT_OWNER)
    assert client.get("/api/v1/audit-events/").status_code == 403
    assert client.get("/").headers["Location"].startswith("/accounts/mfa/setup/")


def test_api_requests_without_mfa_get_json_403(firm_a):
    client = _signed_in_without_mfa(firm_a, Role.OWNER)

    response = client.get("/api/v1/audit-events/")

    assert response.status_code == 403
    assert response.json() == {"detail": "Multi-factor authentication required."}


def test_platform_staff_need_mfa_for_the_platform_admin(public_client, firm_a):
    from apps.accounts.services import user_create

    staff = user_create(email="ops@advisoros.test", password=None, validate=False)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    sign_in(public_client, staff, mfa=False)

    response = public_client.get("/admin/")

    assert response.headers["Location"].startswith("/accounts/mfa/setup/")
    sign_in(public_client, staff)
    assert public_client.get("/admin/").status_code == 200


def test_replacing_the_authenticator_needs_the_password_again(firm_a):
    client = firm_a.client(Role.OWNER)

    response = client.get("/accounts/mfa/setup/")

    assert response.headers["Location"].startswith("/accounts/reauth/")
