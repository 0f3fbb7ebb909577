"""Text embedders for advisor matching, pluggable through `MARKETPLACE_EMBEDDER`.

- `wordllama`: a semantic embedder whose weights ship inside the `wordllama` wheel
  (`l2_supercat_256.safetensors`, 256 dimensions). It is loaded from the package's own
  folder with downloads disabled, so nothing is fetched at run time; about 0.3 ms per
  text on one core. "outsourced controller for software companies" and "fractional CFO
  for SaaS" meet through word meaning, not shared spelling (docs/marketplace.md has the
  comparison and the evaluation).
- `hashed`: the previous deterministic hashed n-gram embedding (numpy only). Word
  unigrams, word bigrams and character trigrams hashed into signed buckets with
  sublinear term frequency, L2-normalised. Kept as the fallback and as the evaluation's
  baseline ("today's matcher").
- `sentence-transformers`: only a model already on disk (`local_files_only`) whose width
  is EMBEDDING_DIMENSIONS.
- `auto` (default): wordllama when the package loads, otherwise hashed.

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
from pathlib import Path
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
def _bucket(feature: str, dimensions: int) -> tuple[int, float]:
    """A stable bucket and sign for a feature (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dimensions, (1.0 if (value >> 63) & 1 else -1.0)


class HashedNgramEmbedder:
    """`dimensions` other than the stored width is for the evaluation's baseline only
    (the matcher before semantic embeddings used 384)."""

    def __init__(self, dimensions: int = EMBEDDING_DIMENSIONS) -> None:
        self.dimensions = dimensions
        self.name = "hashed-ngram-v1" if dimensions == 384 else f"hashed-ngram-v1-{dimensions}"

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
                index, sign = _bucket(feature, self.dimensions)
                # Sublinear tf: a word repeated ten times is not ten times as relevant.
                matrix[row, index] += sign * self._WEIGHTS[feature[0]] * (1 + math.log(count))
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return matrix / norms


class WordLlamaEmbedder:
    """WordLlama's bundled 256-dimension model, loaded offline from the wheel itself."""

    name = "wordllama-l2-supercat-256"
    dimensions = EMBEDDING_DIMENSIONS

    def __init__(self) -> None:
        import wordllama
        from wordllama import WordLlama

        package_dir = Path(wordllama.__file__).parent
        # A plain load() in 0.4.0.post1 looks for the tokenizer under tokenizer/ (the wheel
        # ships tokenizers/) and then tries the network; pointing cache_dir at the package
        # and disabling downloads loads the bundled files or fails here, never fetches.
        self._model = WordLlama.load(config="l2_supercat", dim=EMBEDDING_DIMENSIONS,
                                     cache_dir=package_dir, disable_download=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):  # empty text: 0/0, fixed below
            vectors = np.asarray(self._model.embed(list(texts), norm=True), dtype=np.float32)
        vectors = vectors.reshape(len(texts), self.dimensions)
        # An empty or all-unknown text embeds to zeros; keep it zero rather than NaN.
        return np.nan_to_num(vectors)


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
    if kind == "wordllama":
        return WordLlamaEmbedder()
    if kind == "hashed":
        return HashedNgramEmbedder()
    if kind == "sentence-transformers":
        return SentenceTransformerEmbedder(model_name)
    if kind == "auto":
        try:
            return WordLlamaEmbedder()
        except Exception as exc:
            logger.warning("WordLlama unavailable (%s); matching falls back to hashed n-grams",
                           exc)
            return HashedNgramEmbedder()
    raise ImproperlyConfigured(
        "MARKETPLACE_EMBEDDER must be wordllama, hashed, sentence-transformers or auto, "
        f"got {kind!r}")


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
