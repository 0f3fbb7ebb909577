"""Text embedders for advisor matching, pluggable through `MARKETPLACE_EMBEDDER`.

- `hashed` (default): a deterministic hashed n-gram embedding computed with numpy. Word
  unigrams, word bigrams and character trigrams are hashed into 384 signed buckets with
  sublinear term frequency, then L2-normalised. It needs no download and no network, runs
  in well under a millisecond per text, and gives the same vector on every machine.
- `sentence-transformers`: used only when the package and a model are already installed
  locally (`MARKETPLACE_EMBEDDER_MODEL` names a local path or a cached model name); it is
  loaded with `local_files_only`, so nothing is ever fetched at run time.
- `auto`: sentence-transformers when that loads, otherwise hashed.

The vectors have EMBEDDING_DIMENSIONS dimensions whichever embedder is used; a model with
another width is refused at start-up rather than failing on the first insert.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter
from functools import lru_cache
from itertools import pairwise
from typing import Protocol

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.marketplace.models import EMBEDDING_DIMENSIONS

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9&]+")
# Words that carry no meaning for matching an advisor to a need.
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have i in is it its of on or our that the their "
    "this to was we were will with you your who help helps helping need needs looking "
    "company business"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "ies", "ed", "es", "s")


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


def _stem(word: str) -> str:
    # A light suffix strip so "forecasts"/"forecasting" and "budget"/"budgeting" meet.
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=200_000)
def _bucket(feature: str) -> tuple[int, float]:
    """A stable bucket and sign for a feature (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % EMBEDDING_DIMENSIONS, (1.0 if (value >> 63) & 1 else -1.0)


class HashedNgramEmbedder:
    name = "hashed-ngram-v1"
    dimensions = EMBEDDING_DIMENSIONS

    # Word features carry the meaning; character trigrams add tolerance to spelling and
    # word-form differences, so they weigh less.
    _WEIGHTS = {"w": 1.0, "b": 0.7, "c": 0.25}

    def _features(self, text: str) -> Counter[str]:
        words = [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
        features: Counter[str] = Counter()
        for word in words:
            features["w:" + word] += 1
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                features["c:" + padded[i:i + 3]] += 1
        for first, second in pairwise(words):
            features[f"b:{first} {second}"] += 1
        return features

    def embed(self, texts: list[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, count in self._features(text).items():
                index, sign = _bucket(feature)
                # Sublinear tf: a word repeated ten times is not ten times as relevant.
                matrix[row, index] += sign * self._WEIGHTS[feature[0]] * (1 + math.log(count))
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return matrix / norms


class SentenceTransformerEmbedder:
    """A locally installed sentence-transformers model; never downloads."""

    dimensions = EMBEDDING_DIMENSIONS

    def __init__(self, model_name: str) -> None:
        from sentence_transformers import SentenceTransformer  # optional dependency

        self._model = SentenceTransformer(model_name, device="cpu", local_files_only=True)
        width = self._model.get_sentence_embedding_dimension()
        if width != EMBEDDING_DIMENSIONS:
            raise ImproperlyConfigured(
                f"Model {model_name} makes {width}-dimension vectors; the marketplace "
                f"stores {EMBEDDING_DIMENSIONS}.")
        self.name = f"st:{model_name}"[:40]

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32)


@lru_cache(maxsize=4)
def _build(kind: str, model_name: str) -> Embedder:
    if kind == "hashed":
        return HashedNgramEmbedder()
    if kind == "sentence-transformers":
        return SentenceTransformerEmbedder(model_name)
    if kind == "auto":
        try:
            return SentenceTransformerEmbedder(model_name)
        except Exception as exc:
            logger.info("sentence-transformers model unavailable (%s); using hashed n-grams",
                        exc)
            return HashedNgramEmbedder()
    raise ImproperlyConfigured(
        f"MARKETPLACE_EMBEDDER must be hashed, sentence-transformers or auto, got {kind!r}")


def embedder_get() -> Embedder:
    """The configured embedder, built once per process."""
    return _build(settings.MARKETPLACE_EMBEDDER, settings.MARKETPLACE_EMBEDDER_MODEL)


def profile_text(*, professional_title: str, headline: str, bio: str,
                 industries: list[str], services: list[str]) -> str:
    """The text an advisor is matched on. Title and headline are repeated because they
    say what the advisor is about more densely than the bio does."""
    from apps.marketplace.vocabulary import Industry, Service, labels

    return " ".join([
        professional_title, professional_title, headline, headline, bio,
        " ".join(labels(Industry, industries)), " ".join(labels(Service, services)),
    ])


def embedding_source(text: str, embedder: Embedder) -> str:
    """Identifies (embedder, text): equal values mean the stored vector is current."""
    return hashlib.sha256(f"{embedder.name}\x00{text}".encode()).hexdigest()
