"""Client SSN / EIN / bank account: encrypted, masked, revealed only to allowed roles with
an audit record, found by exact lookup, never in lists, rotated under new keys."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.portal.identifiers import client_identifiers_set
from apps.portal.models import Client
from apps.security import crypto
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_ids(firm_a):
    with schema_context(firm_a.firm.schema_name):
        client = make_client(business_name="Harbor Dental")
        return client_identifiers_set(client=client, ssn="123-45-6789", tax_id="12-3456789",
                                      bank_account="000123456789")


def _raw(world, client_id):
    with schema_context(world.firm.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT ssn, tax_id, bank_account FROM portal_client WHERE id = %s",
                       [client_id])
        return cursor.fetchone()


def test_identifiers_are_encrypted_at_rest(firm_a, client_with_ids):
    ssn, tax_id, account = _raw(firm_a, client_with_ids.pk)

    for stored, plain in ((ssn, "6789"), (tax_id, "3456789"), (account, "123456789")):
        assert stored.startswith("v1:") and plain not in stored


def test_staff_see_masked_values_only(firm_a, client_with_ids):
    page = firm_a.client(Role.MANAGER).get(f"/staff/clients/{client_with_ids.pk}/")

    body = page.content.decode()
    assert "***-**-6789" in body and "**-***6789" in body and "****6789" in body
    assert "123-45-6789" not in body and "12-3456789" not in body


def test_reveal_is_for_allowed_roles_audited_and_not_cached(firm_a, client_with_ids):
    client = firm_a.client(Role.TAX_PREPARER)

    response = client.post(f"/staff/clients/{client_with_ids.pk}/reveal/ssn/")

    assert response.status_code == 200
    assert "123-45-6789" in response.content.decode()
    assert "no-store" in response.headers["Cache-Control"]
    with schema_context(firm_a.firm.schema_name):
        event = AuditEvent.objects.get(action=AuditAction.SENSITIVE_REVEALED)
    assert event.details == {"field": "ssn", "masked": "***-**-6789"}
    assert event.actor_email == firm_a.user(Role.TAX_PREPARER).email


@pytest.mark.parametrize("role", [Role.STAFF_ACCOUNTANT, Role.BOOKKEEPER, Role.AUDITOR,
                                  Role.CLIENT_OWNER])
def test_other_roles_cannot_reveal(firm_a, client_with_ids, role):
    response = firm_a.client(role).post(f"/staff/clients/{client_with_ids.pk}/reveal/ssn/")

    assert response.status_code in (403, 404)
    assert "123-45-6789" not in response.content.decode()


def test_reveal_by_get_or_of_an_unknown_field_is_refused(firm_a, client_with_ids):
    client = firm_a.client(Role.OWNER)

    assert client.get(f"/staff/clients/{client_with_ids.pk}/reveal/ssn/").status_code == 405
    assert client.post(f"/staff/clients/{client_with_ids.pk}/reveal/password/").status_code \
        == 404


def test_identifiers_are_set_in_their_page_and_changes_audited_masked(firm_a):
    with schema_context(firm_a.firm.schema_name):
        client_id = make_client().pk
    staff = firm_a.client(Role.MANAGER)

    response = staff.post(f"/staff/clients/{client_id}/identifiers/",
                          {"tax_id": "98 7654321", "ssn": ""})

    assert response.status_code == 302
    with schema_context(firm_a.firm.schema_name):
        client = Client.objects.get(pk=client_id)
        event = AuditEvent.objects.get(action=AuditAction.RECORD_CHANGED)
    assert client.tax_id.reveal() == "98-7654321"
    assert client.ssn == ""
    assert event.details == {"fields": ["tax_id"], "before": {"tax_id": ""},
                             "after": {"tax_id": "**-***4321"}}


@pytest.mark.parametrize(("field", "value"), [
    ("ssn", "123-45-678"), ("ssn", "000-12-3456"), ("ssn", "912-34-5678"),
    ("tax_id", "12-345"), ("bank_account", "12"), ("tax_id", "12\x003456789"),
    ("ssn", "x" * 10_000),
])
def test_bad_identifiers_are_inline_errors_and_keep_what_was_stored(firm_a, client_with_ids,
                                                                     field, value):
    response = firm_a.client(Role.MANAGER).post(
        f"/staff/clients/{client_with_ids.pk}/identifiers/", {field: value})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    with schema_context(firm_a.firm.schema_name):
        client = Client.objects.get(pk=client_with_ids.pk)
    assert client.ssn.reveal() == "123-45-6789"


def test_exact_lookup_by_tax_id_within_the_firm_only(firm_a, firm_b, client_with_ids):
    with schema_context(firm_b.firm.schema_name):
        client_identifiers_set(client=make_client(business_name="Other Firm Co"),
                               tax_id="12-3456789")

    page = firm_a.client(Role.STAFF_ACCOUNTANT).get("/staff/clients/", {"q": "123456789"})

    names = [row["business_name"] for row in page.context["page"].rows]
    assert names == ["Harbor Dental"]
    by_ssn = firm_a.client(Role.STAFF_ACCOUNTANT).get("/staff/clients/", {"q": "123-45-6789"})
    assert [r["business_name"] for r in by_ssn.context["page"].rows] == ["Harbor Dental"]


def test_identifiers_never_appear_in_the_api(firm_a, client_with_ids):
    api = firm_a.client(Role.OWNER)

    listing = api.get("/api/v1/clients/").content.decode()
    detail = api.get(f"/api/v1/clients/{client_with_ids.pk}/").content.decode()

    for body in (listing, detail):
        assert "6789" not in body.replace(str(client_with_ids.pk), "")
        assert "ssn" not in body and "tax_id" not in body and "bank_account" not in body


def test_admin_forms_leave_identifiers_alone(firm_a, client_with_ids):
    admin = firm_a.client(Role.OWNER)

    page = admin.get(f"/admin/portal/client/{client_with_ids.pk}/change/")

    assert page.status_code == 200
    assert "ssn" not in page.context["adminform"].form.fields
    assert "6789" not in page.content.decode().replace(str(client_with_ids.pk), "")


def test_rotation_re_encrypts_everything_under_the_new_key(firm_a, client_with_ids, settings):
    old_spec = settings.FIELD_ENCRYPTION_KEYS
    new_spec = crypto.new_key_spec("rot2")
    settings.FIELD_ENCRYPTION_KEYS = f"{new_spec},{old_spec}"
    crypto.key_ring_reset()
    try:
        out = io.StringIO()
        call_command("rotate_field_keys", "--batch-size", "2", stdout=out)

        assert all(crypto.key_id_of(v) == "rot2" for v in _raw(firm_a, client_with_ids.pk))
        with schema_context(firm_a.firm.schema_name):
            client = Client.objects.get(pk=client_with_ids.pk)
        assert client.bank_account.reveal() == "000123456789"
        assert "Re-encrypting under key 'rot2'" in out.getvalue()
        again = io.StringIO()
        call_command("rotate_field_keys", stdout=again)
        assert "Done: 0 rows re-encrypted." in again.getvalue()
        settings.FIELD_ENCRYPTION_KEYS = new_spec  # the old key can now be dropped
        crypto.key_ring_reset()
        with schema_context(firm_a.firm.schema_name):
            assert Client.objects.get(pk=client_with_ids.pk).ssn.reveal() == "123-45-6789"
    finally:
        settings.FIELD_ENCRYPTION_KEYS = old_spec
        crypto.key_ring_reset()


def test_client_search_matches_word_prefixes_and_emails(firm_a):
    from apps.portal.selectors import client_search

    with schema_context(firm_a.firm.schema_name):
        make_client(business_name="Brightline Bakery", contact_email="anna@bright.example")
        make_client(business_name="Acme Tools", contact_name="Bob Stone")
        names = lambda q: sorted(c.business_name for c in client_search(Client.objects.all(), q))  # noqa: E731

        assert names("bake") == ["Brightline Bakery"]
        assert names("acme too") == ["Acme Tools"]
        assert names("stone") == ["Acme Tools"]
        assert names("anna@bright") == ["Brightline Bakery"]
        assert names("zzz") == []
        assert names("!!!") == []
        # tsquery syntax is not passed through: only the words a and b count.
        assert names("a' | b:*") == ["Acme Tools", "Brightline Bakery"]
