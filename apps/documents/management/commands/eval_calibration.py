"""Calibration of the review decision on the held-out set (apps/documents/evaluation).

    manage.py eval_calibration [--split dev|test] [--seed 18] [--scan-every 3] [--by-kind]

Every sample is rendered as a text PDF, and every `--scan-every`-th also as a scan, then
read, classified and extracted exactly as the pipeline does (document_assess). Prints,
for the split: classification per class; field accuracy on the PREDICTED type; the
reliability table (fields shown, by confidence bin: how many were right); of the fields
marked >= 0.9 how many were right; how many wrong fields the review flag caught and how
many fully correct documents it sent to review; false positives on the negatives. Tune
on `dev`; report `test` only. `--by-kind` lists accuracy per field and confidence (what
the constants in fields.py and plausibility.py are set from).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.documents.corpus import Sample
from apps.documents.evaluation import heldout
from apps.documents.models import DocType
from apps.documents.ocr import ocr_backend, ocr_pages
from apps.documents.parsing import parse_isolated
from apps.documents.pipeline import document_assess

BINS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]


def same_value(got: object, truth: object) -> bool:
    """Amounts compare as numbers (65028.08 == 65028.080), the rest as words."""
    try:
        return Decimal(str(got)) == Decimal(str(truth))
    except InvalidOperation:
        return " ".join(str(got).split()).casefold() == " ".join(str(truth).split()).casefold()


@dataclass
class Judged:
    """One rendered sample as the pipeline saw it."""

    sample: Sample
    render: str
    predicted: str
    confidence: float
    fields: dict[str, dict]
    review: bool
    shown: list[tuple[str, float, bool]] = field(default_factory=list)  # name, conf, right
    missing: list[str] = field(default_factory=list)

    @property
    def negative(self) -> bool:
        return self.sample.doc_type == DocType.OTHER

    @property
    def fully_correct(self) -> bool:
        return (self.predicted == self.sample.doc_type and not self.missing
                and all(right for _, _, right in self.shown))


def judge(sample: Sample, render: str, text: str, text_confidence: float) -> Judged:
    classification, extraction, confidence = document_assess(
        text, text_confidence, read_by_ocr=render == "scan")
    judged = Judged(sample, render, classification.doc_type, confidence, extraction.fields,
                    confidence < settings.DOCUMENTS_REVIEW_THRESHOLD)
    for name, found in extraction.fields.items():
        right = name in sample.truth and same_value(found["value"], sample.truth[name])
        judged.shown.append((name, float(found["confidence"]), right))
    judged.missing = [name for name in sample.truth if name not in extraction.fields]
    return judged


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "0/0"


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--split", default="dev", choices=heldout.SPLITS)
        parser.add_argument("--seed", type=int, default=18)
        parser.add_argument("--scan-every", type=int, default=3,
                            help="also render every Nth sample as a scan (0: none)")
        parser.add_argument("--by-kind", action="store_true")

    def _read(self, data: bytes, kind: str) -> tuple[str, float]:
        parsed = parse_isolated(data, kind, seconds=settings.DOCUMENTS_PARSE_SECONDS,
                                memory_mb=settings.DOCUMENTS_PARSE_MEMORY_MB)
        if parsed.images and len(parsed.text.strip()) < 25:
            # Accuracy, not speed, is measured here: a generous time budget, so a busy
            # machine does not turn slow pages into skipped ones (counted if it still does).
            read = ocr_pages(parsed.images, ocr_backend(), page_seconds=300,
                             document_seconds=600)
            self.skipped += bool(read.skipped)
            return read.text, read.confidence
        return parsed.text, 1.0

    def handle(self, *args, split: str, seed: int, scan_every: int, by_kind: bool, **opts):
        if scan_every < 0:
            raise CommandError("--scan-every must be 0 or more")
        self.skipped = 0
        corpus = heldout.samples(split, seed)
        self.stdout.write(f"Held-out {split} half, seed {seed}: {len(corpus)} samples "
                          f"(text PDFs, every {scan_every or '-'}th also scanned), review "
                          f"below {settings.DOCUMENTS_REVIEW_THRESHOLD}")
        judged: list[Judged] = []
        started = time.perf_counter()
        for number, sample in enumerate(corpus):
            rng = random.Random(f"{seed}:{split}:{number}")
            judged.append(judge(sample, "text", *self._read(heldout.as_pdf(sample, rng), "pdf")))
            if scan_every and number % scan_every == 0:
                judged.append(judge(sample, "scan",
                                    *self._read(heldout.as_scan(sample, rng), "jpeg")))
            if (number + 1) % 50 == 0:
                self.stdout.write(f"  {number + 1}/{len(corpus)} "
                                  f"({time.perf_counter() - started:.0f} s)")
        self._report(judged, by_kind)
        self.stdout.write(f"Scans with pages skipped by the OCR time budget: {self.skipped}")

    def _report(self, judged: list[Judged], by_kind: bool) -> None:
        out = self.stdout.write
        for render in ("text", "scan", "all"):
            part = [j for j in judged if render in ("all", j.render)]
            if not part:
                continue
            positives = [j for j in part if not j.negative]
            right = sum(j.predicted == j.sample.doc_type for j in positives)
            truth_fields = sum(len(j.sample.truth) for j in positives)
            fields_right = sum(1 for j in positives for name, _, ok in j.shown
                               if ok and j.predicted == j.sample.doc_type)
            out(f"\n[{render}] classification {_pct(right, len(positives))}; fields on the "
                f"predicted type {_pct(fields_right, truth_fields)}")
        positives = [j for j in judged if not j.negative]
        by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for j in positives:
            by_class[j.sample.doc_type][1] += 1
            by_class[j.sample.doc_type][0] += j.predicted == j.sample.doc_type
        out("\nClassification per class")
        for doc_type, (r, t) in sorted(by_class.items()):
            out(f"  {doc_type:<16} {_pct(r, t)}")
        shown = [(name, conf, ok, j) for j in judged for name, conf, ok in j.shown]
        out("\nReliability (fields shown): confidence bin, fields, mean confidence, right")
        for low, high in BINS:
            part = [(c, ok) for _, c, ok, _ in shown if low <= c < high]
            if part:
                mean = sum(c for c, _ in part) / len(part)
                out(f"  [{low:.1f}, {min(high, 1.0):.1f}{']' if high > 1 else ')'} "
                    f"{len(part):>5}  {mean:.2f}  {_pct(sum(ok for _, ok in part), len(part))}")
        high = [ok for _, c, ok, _ in shown if c >= 0.9]
        out(f"Fields marked >= 0.9 that are right: {_pct(sum(high), len(high))} (goal >= 98 %)")
        wrong = [j for _, _, ok, j in shown if not ok]
        caught = sum(j.review for j in wrong)
        out(f"Wrong fields caught by the review flag: {_pct(caught, len(wrong))} "
            "(goal >= 95 %)")
        missed = [j for j in positives if j.missing]
        out(f"Documents with a field not found: {len(missed)} "
            f"({sum(j.review for j in missed)} sent to review)")
        correct = [j for j in positives if j.fully_correct]
        out(f"Fully correct documents sent to review: "
            f"{_pct(sum(j.review for j in correct), len(correct))} (goal <= 10 %)")
        negatives = [j for j in judged if j.negative]
        taken = [j for j in negatives if j.predicted != DocType.OTHER]
        out(f"Negatives taken for a form: {_pct(len(taken), len(negatives))}, auto-accepted: "
            f"{sum(not j.review for j in taken)}")
        for j in taken:
            out(f"  negative read as {j.predicted}: {j.sample.lines[0]!r}")
        if by_kind:
            self._by_kind(shown, judged)

    def _by_kind(self, shown, judged: list[Judged]) -> None:
        out = self.stdout.write
        kinds: dict[tuple[str, float], list[int]] = defaultdict(lambda: [0, 0])
        for name, conf, ok, _ in shown:
            kinds[(name, conf)][1] += 1
            kinds[(name, conf)][0] += ok
        out("\nPer field and confidence")
        for (name, conf), (r, t) in sorted(kinds.items()):
            out(f"  {name:<26} {conf:.2f}  {_pct(r, t)}")
        out("\nWrong fields, then missing ones (first 40)")
        count = 0
        for j in judged:
            for name, conf, ok in j.shown:
                if not ok and count < 40:
                    count += 1
                    out(f"  {j.render} {j.sample.doc_type}->{j.predicted} {name} "
                        f"{j.fields[name]['value']!r} ({conf}) truth "
                        f"{j.sample.truth.get(name)!r} review={j.review}")
        for j in judged:
            for name in j.missing:
                if count < 40:
                    count += 1
                    out(f"  {j.render} {j.sample.doc_type}->{j.predicted} {name} missing, "
                        f"truth {j.sample.truth[name]!r} review={j.review}")
        correct_review = [j for j in judged if j.fully_correct and j.review]
        for j in correct_review[:15]:
            out(f"  correct but to review: {j.render} {j.sample.doc_type} conf {j.confidence} "
                f"{[(n, c) for n, c, _ in j.shown if c < 0.8]}")
