"""The statement behind the notice of a processed document, written once.

One notice per small document processed, so this runs once per upload in the workers.
As an ORM query with three EXISTS conditions it cost about 2.7 ms of CPU to build on
every call (more than Postgres takes to run it); the SQL never changes, so it is built
once per process from the models' own table names. tests/people/test_events.py covers
every answer it gives.
"""

from __future__ import annotations

from functools import cache


@cache
def document_processed_sql() -> str:
    """Params: firm id, staff roles (a list), document id. One row, or none for a deleted
    document or one nobody uploaded: id, client_id, file_name, status, uploaded_by_id,
    told_elsewhere (a message attachment or a signed proposal has its own event),
    by_staff (the uploader is active staff of the firm), sees_client (the uploader is an
    active user with access to the document's client)."""
    from apps.accounts.models import Membership, User
    from apps.documents.models import Document
    from apps.people.models import Message, Proposal
    from apps.portal.models import ClientAccess

    return f"""
SELECT d."id", d."client_id", d."file_name", d."status", d."uploaded_by_id",
       (EXISTS (SELECT 1 FROM "{Message.documents.through._meta.db_table}" md
                WHERE md."document_id" = d."id")
        OR EXISTS (SELECT 1 FROM "{Proposal._meta.db_table}" p
                   WHERE p."signed_document_id" = d."id")) AS told_elsewhere,
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
