"""The held-out evaluation set: deterministic, disjoint halves, negatives included, and
truth for every field the extractors produce."""

from __future__ import annotations

from apps.documents.evaluation import heldout
from apps.documents.models import DocType


def _keys(samples):
    return [(s.doc_type, tuple(s.lines)) for s in samples]


def test_the_split_is_deterministic_and_the_halves_are_disjoint():
    dev, test = heldout.samples("dev", seed=18), heldout.samples("test", seed=18)

    assert _keys(dev) == _keys(heldout.samples("dev", seed=18))
    assert not set(_keys(dev)) & set(_keys(test))
    assert len(set(_keys(dev + test))) == len(dev + test)  # no document twice
    assert len(dev) + len(test) == len(heldout.MAKERS) * heldout.PER_CLASS
    # Roughly halves, and every kind on both sides.
    assert abs(len(dev) - len(test)) < 0.25 * (len(dev) + len(test))
    for half in (dev, test):
        assert {s.doc_type for s in half} >= {DocType.W2, DocType.K1, DocType.F1099_MISC,
                                              DocType.RECEIPT, DocType.OTHER}


def test_another_seed_gives_other_documents():
    assert set(_keys(heldout.samples("test", seed=1))) != set(_keys(heldout.samples("test")))


def test_negatives_have_no_truth_and_forms_have_consistent_truth():
    dev = heldout.samples("dev", seed=18)
    negatives = [s for s in dev if s.doc_type == DocType.OTHER]
    assert len(negatives) >= 10 and all(s.truth == {} for s in negatives)
    for sample in dev:
        if sample.doc_type == DocType.W2:
            assert set(sample.truth) == {"employer_ein", "wages", "federal_withholding",
                                         "social_security_wages", "social_security_tax",
                                         "medicare_wages", "medicare_tax", "tax_year"}


def test_an_unknown_split_is_refused():
    import pytest

    with pytest.raises(ValueError, match="split must be one of"):
        heldout.samples("train")
