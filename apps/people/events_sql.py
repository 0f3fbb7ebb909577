"""The statements behind the notices of an upload and of a processed document, written once.

Both run once per upload in the workers. As ORM queries with EXISTS conditions they cost
about 2.7 ms of CPU each to build on every call (more than Postgres takes to run them);
the SQL never changes, so it is built once per process from the models' own table names.
tests/people/test_events.py covers every answer they give.
"""

from __future__ import annotations

from functools import cache


def _told_elsewhere(document: str) -> str:
    """Whether `document` (an SQL alias) has its own event that says it all: a message
    attachment or a signed proposal."""
    from apps.people.models import Message, Proposal

    return (f'(EXISTS (SELECT 1 FROM "{Message.documents.through._meta.db_table}" md '  # noqa: S608
            f'WHERE md."document_id" = {document}."id") '
            f'OR EXISTS (SELECT 1 FROM "{Proposal._meta.db_table}" p '
            f'WHERE p."signed_document_id" = {document}."id"))')


@cache
def documents_uploaded_sql() -> str:
    """Param: batch id. One row, or none for an unknown batch: uploaded_by_id, client_id,
    business_name, assigned_staff_id, and how many of the batch's live documents no other
    event tells of."""
    from apps.documents.models import Document, DocumentBatch
    from apps.portal.models import Client

    return f"""
SELECT b."uploaded_by_id", c."id" AS client_id, c."business_name", c."assigned_staff_id",
       (SELECT count(*) FROM "{Document._meta.db_table}" d
        WHERE d."batch_id" = b."id" AND d."deleted_at" IS NULL
          AND NOT {_told_elsewhere("d")}) AS to_tell
FROM "{DocumentBatch._meta.db_table}" b
JOIN "{Client._meta.db_table}" c ON c."id" = b."client_id"
WHERE b."id" = %s
"""  # noqa: S608 - table names from the models, values as parameters


@cache
def document_processed_sql() -> str:
    """Params: firm id, staff roles (a list), document id. One row, or none for a deleted
    document or one nobody uploaded: id, client_id, file_name, status, uploaded_by_id,
    told_elsewhere (a message attachment or a signed proposal has its own event),
    by_staff (the uploader is active staff of the firm), sees_client (the uploader is an
    active user with access to the document's client)."""
    from apps.accounts.models import Membership, User
    from apps.documents.models import Document
    from apps.portal.models import ClientAccess

    return f"""
SELECT d."id", d."client_id", d."file_name", d."status", d."uploaded_by_id",
       {_told_elsewhere("d")} AS told_elsewhere,
       EXISTS (SELECT 1 FROM "{Membership._meta.db_table}" m
               JOIN "{User._meta.db_table}" u ON u."id" = m."user_id"
               WHERE m."firm_id" = %s AND m."is_active" AND m."role" = ANY(%s)
                 AND u."is_active" AND m."user_id" = d."uploaded_by_id") AS by_staff,
       EXISTS (SELECT 1 FROM "{ClientAccess._meta.db_table}" a
               JOIN "{User._meta.db_table}" u ON u."id" = a."user_id"
               WHERE a."client_id" = d."client_id" AND a."user_id" = d."uploaded_by_id"
                 AND u."is_active") AS sees_client
FROM "{Document._meta.db_table}" d
WHERE d."id" = %s AND d."deleted_at" IS NULL AND d."uploaded_by_id" IS NOT NULL
"""  # noqa: S608 - table names from the models, values as parameters
