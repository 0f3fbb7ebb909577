"""Backup codes are stored only as keyed hashes; each works once; the plaintext codes
django-otp stored before are hashed by a data migration."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.roles import Role
from apps.security.backup_codes import backup_code_hash
from apps.security.models import BackupCode, BackupCodeDevice
from tests.conftest import sign_in
from tests.security.helpers import complete_mfa

pytestmark = pytest.mark.django_db


def _all_text_in_public_tables() -> str:
    """Every text value of the tables that ever held codes, as psql would show them."""
    with connection.cursor() as cursor:
        chunks = []
        for table in ("security_backupcode", "security_backupcodedevice",
                      "otp_static_statictoken", "otp_static_staticdevice"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            chunks += [row[0] for row in cursor.fetchall()]
    return "\n".join(chunks)


def _fresh_client(world, role):
    return sign_in(world.client(), world.user(role), mfa=False)


def test_the_database_holds_no_backup_code_in_plaintext(firm_a):
    user = firm_a.user(Role.MANAGER)

    codes = complete_mfa(_fresh_client(firm_a, Role.MANAGER), user)

    assert len(codes) == 10
    stored = _all_text_in_public_tables()
    assert BackupCode.objects.filter(device__user=user).count() == 10
    assert not [code for code in codes if code in stored]
    assert {c.code_hash for c in BackupCode.objects.filter(device__user=user)} == \
        {backup_code_hash(code) for code in codes}


def test_a_backup_code_signs_in_once(firm_a):
    user = firm_a.user(Role.PARTNER)
    codes = complete_mfa(_fresh_client(firm_a, Role.PARTNER), user)

    first = _fresh_client(firm_a, Role.PARTNER).post("/accounts/mfa/verify/",
                                                      {"code": codes[3].upper()})
    second = _fresh_client(firm_a, Role.PARTNER).post("/accounts/mfa/verify/",
                                                       {"code": codes[3]})

    assert first.status_code == 302
    assert second.status_code == 200 and second.context["form"].errors
    assert BackupCode.objects.filter(device__user=user).count() == 9


def test_codes_made_before_a_secret_key_rotation_still_work(firm_a, settings):
    user = firm_a.user(Role.AUDITOR)
    codes = complete_mfa(_fresh_client(firm_a, Role.AUDITOR), user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    client = _fresh_client(firm_a, Role.AUDITOR)

    assert client.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 302


def test_the_migration_hashes_plaintext_codes_and_deletes_them(firm_a):
    user = firm_a.user(Role.BOOKKEEPER)
    old_device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    plaintext = [StaticToken.random_token() for _ in range(4)]
    for token in plaintext:
        StaticToken.objects.create(device=old_device, token=token)
    migration = importlib.import_module(
        "apps.security.migrations.0003_backup_codes_from_plaintext_tokens")

    migration.hash_plaintext_tokens(apps, None)

    assert not StaticToken.objects.exists() and not StaticDevice.objects.exists()
    assert not [code for code in plaintext if code in _all_text_in_public_tables()]
    device = BackupCodeDevice.objects.get(user=user)
    assert device.confirmed and device.codes.count() == 4
    # The migrated codes work, once each.
    client = _fresh_client(firm_a, Role.BOOKKEEPER)
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    assert client.post("/accounts/mfa/verify/", {"code": plaintext[1]}).status_code == 302
    again = _fresh_client(firm_a, Role.BOOKKEEPER)
    assert again.post("/accounts/mfa/verify/", {"code": plaintext[1]}).status_code == 200
    assert device.codes.count() == 3
