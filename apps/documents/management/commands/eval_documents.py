"""Classification and field-extraction accuracy on the generated, labelled corpus.

    manage.py eval_documents [--per-class 25] [--scans-per-class 6] [--seed 7]

Text PDFs go through the same parser process, classifier and extractors as uploads;
scans additionally through the configured OCR backend. Prints accuracy per class and
per field, and the goals (>= 95 % classification on text PDFs, >= 90 % on scans).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.documents.classify import classify
from apps.documents.corpus import Sample, as_pdf, as_scan, samples
from apps.documents.fields import extract_fields
from apps.documents.ocr import ocr_backend, ocr_pages
from apps.documents.parsing import parse_isolated


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--per-class", type=int, default=25)
        parser.add_argument("--scans-per-class", type=int, default=6)
        parser.add_argument("--seed", type=int, default=7)

    def _text(self, data: bytes, kind: str) -> str:
        parsed = parse_isolated(data, kind, seconds=settings.DOCUMENTS_PARSE_SECONDS,
                                memory_mb=settings.DOCUMENTS_PARSE_MEMORY_MB)
        if parsed.images and len(parsed.text.strip()) < 25:
            return ocr_pages(parsed.images, ocr_backend()).text
        return parsed.text

    def _run(self, label: str, corpus: list[Sample], render, kind: str, seed: int) -> float:
        rng = random.Random(seed)
        by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        confusions: dict[tuple[str, str], int] = defaultdict(int)
        started = time.perf_counter()
        for number, sample in enumerate(corpus, start=1):
            text = self._text(render(sample, rng), kind)
            got = classify(text).doc_type
            by_class[sample.doc_type][1] += 1
            if got == sample.doc_type:
                by_class[sample.doc_type][0] += 1
            else:
                confusions[(sample.doc_type, got)] += 1
            fields = extract_fields(sample.doc_type, text).fields
            for name, truth in sample.truth.items():
                by_field[f"{sample.doc_type}.{name}"][1] += 1
                value = (fields.get(name) or {}).get("value")
                if value is not None and str(value) == str(truth):
                    by_field[f"{sample.doc_type}.{name}"][0] += 1
            if number % 20 == 0 or number == len(corpus):
                self.stdout.write(f"  {label}: {number}/{len(corpus)} documents "
                                  f"({time.perf_counter() - started:.1f} s)")
        right = sum(r for r, _ in by_class.values())
        total = sum(t for _, t in by_class.values())
        self.stdout.write(f"\n{label}: classification {right}/{total} = {right / total:.1%}")
        for doc_type, (r, t) in sorted(by_class.items()):
            self.stdout.write(f"  {doc_type:<16} {r:>3}/{t:<3} {r / t:6.1%}")
        for (truth, got), count in sorted(confusions.items()):
            self.stdout.write(f"  confused {truth} -> {got}: {count}")
        f_right = sum(r for r, _ in by_field.values())
        f_total = sum(t for _, t in by_field.values())
        self.stdout.write(f"{label}: fields {f_right}/{f_total} = {f_right / f_total:.1%}")
        for name, (r, t) in sorted(by_field.items()):
            self.stdout.write(f"  {name:<36} {r:>3}/{t:<3} {r / t:6.1%}")
        return right / total

    def handle(self, *args, per_class: int, scans_per_class: int, seed: int, **options):
        self.stdout.write(f"Corpus: {per_class} text PDFs and {scans_per_class} scans per "
                          f"class, seed {seed}, OCR backend {settings.DOCUMENTS_OCR_BACKEND}")
        text_accuracy = self._run("text PDFs", samples(per_class, seed), as_pdf, "pdf", seed)
        scan_accuracy = self._run("scans", samples(scans_per_class, seed + 1), as_scan,
                                  "jpeg", seed + 1) if scans_per_class else None
        self.stdout.write("\nGoals: text PDFs >= 95 %: "
                          f"{'met' if text_accuracy >= 0.95 else 'NOT met'} "
                          f"({text_accuracy:.1%})")
        if scan_accuracy is not None:
            self.stdout.write("       scans >= 90 %: "
                              f"{'met' if scan_accuracy >= 0.90 else 'NOT met'} "
                              f"({scan_accuracy:.1%})")
