"""Recall@5 of the hybrid retrieval on the generated question set's test half."""

from __future__ import annotations

import pytest

from apps.ask.selectors import ask
from apps.ask.services import document_index
from apps.documents.models import Document
from tests.ask.question_set import generate, held_out_half
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def test_recall_at_5_on_the_held_out_half(in_firm_a):
    documents, questions = generate()
    clients = [make_client() for _ in range(4)]
    ids = {}
    for n, generated in enumerate(documents):
        document = Document.objects.create(
            client=clients[n % 4], file_name=generated.file_name, text=generated.text,
            fields=generated.fields, status=Document.Status.PROCESSED)
        document_index(document_id=document.pk)
        ids[generated.key] = document.pk

    held_out = held_out_half(questions)
    found = 0
    for question in held_out:
        cited = [(c.document_id, c.page) for c in ask(question.text, limit=5).citations]
        found += (ids[question.document_key], question.page) in cited
    recall = found / len(held_out)

    print(f"recall@5 = {recall:.3f} on {len(held_out)} questions")
    assert recall >= 0.9
