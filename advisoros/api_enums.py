"""Every enum in the OpenAPI schema carries the human label of each code, so integrators see
what `partially_paid` or `4` means without reading our source.

drf-spectacular describes the enums of serializer choice fields ("* `paid` - Paid"), but
not those of query parameters (django-filter's choice filters) nor inline enums. This
post-processing hook (run after `postprocess_schema_enums`, settings.SPECTACULAR_SETTINGS)
gives every enum both forms:

- `description`: the markdown list drf-spectacular writes, for people reading the docs;
- `x-enum-descriptions`: the labels in the order of `enum`, the extension code generators
  (openapi-generator, NSwag) read to comment generated constants.

Labels come from the enum's own description when drf-spectacular wrote one, else from the
project's choices classes (every `models.TextChoices` / `IntegerChoices`), matched by
the exact set of codes. An enum no choices class matches (a boolean filter's
"true"/"false") is left as it is.
"""

from __future__ import annotations

import re
from functools import cache

from django.db import models

from advisoros.labels import ADVISOR_SORTS, code_words

DESCRIBED = re.compile(r"^\* `(?P<code>[^`]*)` - (?P<label>.*)$", re.MULTILINE)
NO_VALUE_LABEL = "No value"


def _all_choices_classes() -> list[type[models.Choices]]:
    found, stack = [], list(models.Choices.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith(("apps.", "advisoros.")) and cls.choices:
            found.append(cls)
    return found


@cache
def _labels_by_codes() -> dict[frozenset[str], dict[str, str]]:
    """Code set -> {code: label}; a code set two classes label differently is dropped."""
    known: dict[frozenset[str], dict[str, str]] = {}
    clashing: set[frozenset[str]] = set()
    sources = [{str(value): str(label) for value, label in cls.choices}
               for cls in _all_choices_classes()]
    sources.append(dict(ADVISOR_SORTS))
    for labels in sources:
        codes = frozenset(labels)
        if codes in known and known[codes] != labels:
            clashing.add(codes)
        known.setdefault(codes, labels)
    for codes in clashing:
        del known[codes]
    return known


def _labels_for(schema: dict) -> dict[str, str] | None:
    described = {m["code"]: m["label"] for m in DESCRIBED.finditer(schema.get("description", ""))}
    codes = frozenset(str(code) for code in schema["enum"] if code not in ("", None))
    if codes and codes <= set(described):
        return described
    return _labels_by_codes().get(codes)


def _describe(schema: dict) -> None:
    labels = _labels_for(schema)
    if labels is None:
        return
    shown = [NO_VALUE_LABEL if code in ("", None) else labels.get(str(code), code_words(code))
             for code in schema["enum"]]
    schema["x-enum-descriptions"] = shown
    if not DESCRIBED.search(schema.get("description", "")):
        listed = "\n".join(f"* `{code}` - {label}" for code, label in zip(schema["enum"], shown,
                                                                       strict=True)
                           if code not in ("", None))
        schema["description"] = "\n\n".join(part for part in (schema.get("description"), listed)
                                            if part)


def _walk(node) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list) and node["enum"]:
            _describe(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def enum_labels(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: labels for every enum (see module docstring)."""
    _walk(result)
    return result
