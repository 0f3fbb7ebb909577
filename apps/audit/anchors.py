"""Copies of the audit chain's anchors outside the database.

Each anchor is appended as one JSON line to AUDIT_ANCHOR_FILE and logged (logger
`advisoros.audit.anchor`), so it also travels with the logs to wherever they are shipped.
The database's own anchors can be deleted by its owner; these copies cannot be reached
from the database at all. What makes them really tamper-evident (an append-only or
write-once store the database's operators cannot rewrite): docs/security.md.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from apps.audit.models import AuditAnchor

logger = logging.getLogger("advisoros.audit.anchor")


@dataclass(frozen=True)
class AnchorCopy:
    schema: str
    schema_oid: int
    chain_seq: int
    head_hash: str
    created_at: datetime
    key_id: str
    signature: str


def _path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def anchor_copy_write(*, schema: str, anchor: AuditAnchor) -> None:
    """Append the anchor; never raises (the database anchor exists already)."""
    line = json.dumps({"schema": schema, "schema_oid": anchor.schema_oid,
                       "chain_seq": anchor.chain_seq, "head_hash": anchor.head_hash,
                       "created_at": anchor.created_at.isoformat(), "key_id": anchor.key_id,
                       "signature": anchor.signature}, sort_keys=True)
    logger.info("audit anchor %s", line)
    try:
        path = _path()
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: concurrent writers never interleave inside a line this short.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
    except OSError:
        logger.exception("audit: could not write the anchor copy to %s", _path())


def anchor_copies(*, schema: str, schema_oid: int) -> list[AnchorCopy]:
    """Every copy kept for this schema (this incarnation of it), oldest first."""
    path = _path()
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                item = json.loads(line)
                if item["schema"] != schema or item["schema_oid"] != schema_oid:
                    continue
                found.append(AnchorCopy(
                    schema=schema, schema_oid=schema_oid, chain_seq=int(item["chain_seq"]),
                    head_hash=item["head_hash"],
                    created_at=datetime.fromisoformat(item["created_at"]),
                    key_id=item["key_id"], signature=item["signature"]))
            except (ValueError, KeyError, TypeError):
                continue  # a torn or foreign line is not an anchor
    return found
