"""The semantic embedder: bundled weights loaded with no network, 256 dimensions,
deterministic, and the re-embedding command that migrates stored vectors."""

import socket

import numpy as np
import pytest
from django.core.management import call_command

from apps.marketplace.embedding import WordLlamaEmbedder, embedder_get, embedding_source
from apps.marketplace.models import EMBEDDING_DIMENSIONS, AdvisorProfile
from tests.marketplace.factories import make_advisor


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # offline must not depend on this flag


def test_wordllama_loads_bundled_weights_without_network(no_network, tmp_path, monkeypatch):
    # An empty home: no cache from an earlier download can be what makes it work.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    embedder = WordLlamaEmbedder()

    vectors = embedder.embed(["fractional CFO for a SaaS company", "bakery inventory"])

    assert vectors.shape == (2, EMBEDDING_DIMENSIONS) == (2, 256)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_wordllama_is_deterministic_and_understands_paraphrase():
    embedder = WordLlamaEmbedder()
    texts = ["outsourced controller for a software company",
             "part-time bookkeeping and month-end close for an app business",
             "cost segregation study on apartment buildings"]
    first, second = embedder.embed(texts), WordLlamaEmbedder().embed(texts)

    assert np.array_equal(first, second)
    assert float(first[0] @ first[1]) > float(first[0] @ first[2])
    assert not np.isnan(embedder.embed([""])).any()


def test_default_embedder_is_wordllama(settings):
    assert embedder_get().name == "wordllama-l2-supercat-256"
    assert embedder_get().dimensions == 256


@pytest.mark.django_db
def test_reembed_command_replaces_stale_vectors_in_batches_and_is_resumable():
    stale = [make_advisor(embed=False) for _ in range(3)]
    old = make_advisor(embed=False)
    AdvisorProfile.objects.filter(pk=old.pk).update(
        embedding=np.ones(EMBEDDING_DIMENSIONS, dtype=np.float32) / 16,
        embedding_source="hashed-ngram-v1 era")
    current = make_advisor()
    current_vector = np.asarray(AdvisorProfile.objects.get(pk=current.pk).embedding)

    out = _run("marketplace_reembed", "--batch-size", "2")

    assert "4 advisors re-embedded, 1 already current" in out
    assert "2/5 advisors checked" in out and "5/5 advisors checked" in out
    embedder = embedder_get()
    for profile in AdvisorProfile.objects.filter(pk__in=[p.pk for p in [*stale, old]]):
        assert profile.embedding is not None and len(profile.embedding) == 256
        assert profile.embedding_source != "hashed-ngram-v1 era"
        text_vector = np.asarray(profile.embedding)
        assert np.linalg.norm(text_vector) == pytest.approx(1.0, abs=1e-4)
    assert np.array_equal(np.asarray(AdvisorProfile.objects.get(pk=current.pk).embedding),
                          current_vector)
    profile = AdvisorProfile.objects.get(pk=old.pk)
    from apps.marketplace.embedding import profile_text
    text = profile_text(professional_title=profile.professional_title,
                        headline=profile.headline, bio=profile.bio,
                        industries=profile.industries, services=profile.services)
    assert profile.embedding_source == embedding_source(text, embedder)
    assert np.allclose(np.asarray(profile.embedding), embedder.embed([text])[0], atol=1e-6)

    assert "0 advisors re-embedded, 5 already current" in _run("marketplace_reembed")
    assert "5 advisors re-embedded" in _run("marketplace_reembed", "--force")


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
