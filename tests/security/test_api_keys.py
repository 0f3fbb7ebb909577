import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.roles import Perm, Role
from apps.security.api_keys import api_key_create
from apps.security.models import ApiKey

pytestmark = pytest.mark.django_db


def _key(world, scopes=(Perm.AUDIT_VIEW,), days=30, role=Role.OWNER):
    return api_key_create(firm=world.firm, created_by=world.user(role), name="SIEM export",
                          scopes=list(scopes), expires_in_days=days)


def _get(world, plaintext, path="/api/v1/audit-events/"):
    return Client(HTTP_HOST=world.host).get(path, HTTP_AUTHORIZATION=f"Api-Key {plaintext}")


def test_key_is_shown_once_and_stored_hashed(firm_a):
    created = _key(firm_a)

    stored = ApiKey.objects.get(pk=created.key.pk)
    secret = created.plaintext.split("_", 2)[2]
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.filter(pk=stored.pk).values().get())


def test_key_reads_within_its_scope_and_records_last_use(firm_a):
    created = _key(firm_a)

    response = _get(firm_a, created.plaintext)

    assert response.status_code == 200
    assert "results" in response.json()
    assert ApiKey.objects.get(pk=created.key.pk).last_used_at is not None


def test_key_without_the_scope_is_refused(firm_a):
    created = _key(firm_a, scopes=[Perm.CLIENTS_VIEW])

    assert _get(firm_a, created.plaintext).status_code == 403


def test_key_of_another_firm_is_refused(firm_a, firm_b):
    created = _key(firm_b)

    response = _get(firm_a, created.plaintext)

    assert response.status_code in (401, 403)
    assert "another firm" in response.json()["detail"]


def test_revoked_and_expired_keys_are_refused(firm_a):
    revoked = _key(firm_a)
    revoked.key.revoked_at = timezone.now()
    revoked.key.save()
    expired = _key(firm_a)
    ApiKey.objects.filter(pk=expired.key.pk).update(expires_at=timezone.now() - timedelta(1))

    assert "revoked" in _get(firm_a, revoked.plaintext).json()["detail"]
    assert "expired" in _get(firm_a, expired.plaintext).json()["detail"]


@pytest.mark.parametrize("header", ["aos_nope", "aos_abc_def", "xyz_1_2", "aos_\x00_1",
                                    "aos_" + "a" * 5000])
def test_malformed_or_wrong_keys_are_401(firm_a, header):
    response = _get(firm_a, header)

    assert response.status_code == 401


def test_a_key_cannot_exceed_its_creators_permissions(firm_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        _key(firm_a, scopes=[Perm.FIRM_MANAGE], role=Role.PARTNER)

    assert "permissions you do not have" in excinfo.value.message_dict["scopes"][0]


@pytest.mark.parametrize(("scopes", "days", "field"), [
    ([], 30, "scopes"), (["made.up"], 30, "scopes"), ([Perm.AUDIT_VIEW], 0, "expires_in_days"),
    ([Perm.AUDIT_VIEW], 9999, "expires_in_days"),
])
def test_bad_key_requests_are_field_errors(firm_a, scopes, days, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        _key(firm_a, scopes=scopes, days=days)

    assert field in excinfo.value.message_dict


def test_keys_are_created_and_revoked_in_the_page(firm_a):
    client = firm_a.client(Role.ADMIN)

    page = client.post("/security/api-keys/", {"name": "Payroll sync",
                                               "scopes": [Perm.AUDIT_VIEW],
                                               "expires_in_days": 30})

    plaintext = re.search(r"aos_[0-9a-f]{12}_[\w-]+", page.content.decode()).group(0)
    assert _get(firm_a, plaintext).status_code == 200
    key = ApiKey.objects.get(name="Payroll sync")
    assert client.post(f"/security/api-keys/{key.pk}/revoke/").status_code == 302
    assert _get(firm_a, plaintext).status_code == 401
    # The list never shows the secret again.
    assert plaintext not in client.get("/security/api-keys/").content.decode()


def test_key_page_form_errors_are_inline(firm_a):
    response = firm_a.client(Role.ADMIN).post("/security/api-keys/", {
        "name": "", "scopes": ["made.up"], "expires_in_days": -1})

    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"name", "scopes", "expires_in_days"}


def test_requests_per_key_are_throttled(firm_a, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_key": "3/minute"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        created = _key(firm_a)
        statuses = [_get(firm_a, created.plaintext).status_code for _ in range(4)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert statuses == [200, 200, 200, 429]
