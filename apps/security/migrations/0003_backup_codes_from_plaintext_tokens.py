"""Hash the backup codes that django-otp stored in plaintext (otp_static's StaticToken)
into BackupCode rows, then delete the plaintext rows.

The hash is a frozen copy of apps/security/backup_codes.py::backup_code_hash, so this
migration keeps producing the same values even if that module changes later.
Not reversible: plaintext cannot be recovered from hashes (people make new codes).
"""

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac


def _hash(code: str) -> str:
    normalised = "".join((code or "").split()).replace("-", "").lower()
    return salted_hmac("advisoros.security.backup-code", normalised,
                       secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def hash_plaintext_tokens(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    BackupCodeDevice = apps.get_model("security", "BackupCodeDevice")
    BackupCode = apps.get_model("security", "BackupCode")

    for old in StaticDevice.objects.all().iterator():
        new, _ = BackupCodeDevice.objects.get_or_create(
            user_id=old.user_id, name=old.name or "Backup codes",
            defaults={"confirmed": old.confirmed})
        BackupCode.objects.bulk_create(
            BackupCode(device=new, code_hash=_hash(token))
            for token in StaticToken.objects.filter(device=old).values_list("token", flat=True))
    StaticToken.objects.all().delete()
    StaticDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0002_backup_codes_hashed"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop, elidable=False),
    ]
