"""Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first and keep the old one after it (`new:...,old:...`),
deploy, run this command (safe while the product runs, safe to run again), then drop
the old key from the setting.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.security import crypto
from apps.security.rotation import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the current primary key, in batches."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10000")
        crypto.key_ring_reset()
        primary = crypto.key_ring().primary_id
        self.stdout.write(f"Re-encrypting under key '{primary}'")
        total = rotate_all(batch_size=batch_size, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows re-encrypted."))
