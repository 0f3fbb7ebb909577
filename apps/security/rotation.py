"""Re-encrypting every encrypted field under the current primary key, in batches, while
the product runs: each batch locks only its own rows for a moment, and old keys keep
decrypting whatever a batch has not reached yet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.security import crypto
from apps.security.fields import EncryptedField


@dataclass(frozen=True)
class EncryptedColumns:
    model: type
    fields: list[EncryptedField]

    @property
    def tenant(self) -> bool:
        return self.model._meta.app_config.name in settings.TENANT_APPS


def encrypted_models() -> list[EncryptedColumns]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields and model._meta.managed and not model._meta.proxy:
            found.append(EncryptedColumns(model, fields))
    return found


def _batches(table: str, columns: list[str], batch_size: int) -> Iterator[list[tuple]]:
    last_id = 0
    quoted = ", ".join(f'"{column}"' for column in columns)
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'SELECT id, {quoted} FROM "{table}" '  # noqa: S608 - our own names
                "WHERE id > %s ORDER BY id LIMIT %s FOR UPDATE", [last_id, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows, cursor
        last_id = rows[-1][0]


def rotate_table(target: EncryptedColumns, *, batch_size: int = 500,
                 progress: Callable[[str], None] = print) -> int:
    ring = crypto.key_ring()
    table = target.model._meta.db_table
    columns = [f.column for f in target.fields]
    contexts = [f.context for f in target.fields]
    rewritten = 0
    for rows, cursor in _batches(table, columns, batch_size):
        for row in rows:
            updates = {}
            for column, context, stored in zip(columns, contexts, row[1:], strict=True):
                if stored and crypto.key_id_of(stored) != ring.primary_id:
                    plaintext = crypto.decrypt(stored, context=context)
                    updates[column] = crypto.encrypt(plaintext, context=context)
            if updates:
                assignments = ", ".join(f'"{column}" = %s' for column in updates)
                cursor.execute(f'UPDATE "{table}" SET {assignments} WHERE id = %s',  # noqa: S608
                               [*updates.values(), row[0]])
                rewritten += 1
        progress(f"    {connection.schema_name}.{table}: up to id {rows[-1][0]}, "
                 f"{rewritten} rows re-encrypted")
    return rewritten


def rotate_all(*, batch_size: int = 500, progress: Callable[[str], None] = print) -> int:
    from apps.firms.selectors import firm_schema_names_ready

    total = 0
    for target in encrypted_models():
        schemas = list(firm_schema_names_ready()) if target.tenant else ["public"]
        for schema in schemas:
            with schema_context(schema):
                total += rotate_table(target, batch_size=batch_size, progress=progress)
    return total
