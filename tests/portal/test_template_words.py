"""Every template formats money, numbers, dates and times with the one set of filters
(`{% load formatting %}`) and shows labels, never internal codes: a grep over the templates
so neither can come back. An exception needs an entry in an allow-list with its reason."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Django's own admin pages keep Django's formatting.
SKIPPED_DIRS = {"admin"}

# Formatting that bypasses the filters: Django's number and date filters, humanize's
# intcomma, and a dollar sign written before a raw amount.
RAW_FORMATTING = re.compile(r"\|\s*(floatformat|intcomma|date|time)\b|\$\{\{")
# Machine-readable values are not for people: <time datetime="..."> takes ISO 8601 ("c")
# and <input type="month"> and the ?month= links take "Y-m".
MACHINE_FORMATS = re.compile(r"""\|date:(['"])(c|Y-m)\1""")

# A code field printed as text without a label filter or get_FOO_display.
CODE_FIELDS = re.compile(
    r"\{\{\s*[\w.]+\.(status|kind|type|event_type|\w+_type|\w+_status|role|frequency|"
    r"level|source|method|category|priority|scopes?|event_types)\s*(\|\s*(capfirst|title|"
    r"upper|lower|default:[^|}]*)\s*)*\}\}")
# Form fields rendered whole (a <select>), not their value.
CODE_FIELD_ALLOWED = {
    ("people/proposal_new.html", "{{ line.fee_type }}"),
    ("people/proposal_new.html", "{{ line.frequency }}"),
    ("people/proposal_new.html", "{{ line.engagement_type }}"),
    ("people/proposal_template_edit.html", "{{ line.fee_type }}"),
    ("people/proposal_template_edit.html", "{{ line.frequency }}"),
    ("people/proposal_template_edit.html", "{{ line.engagement_type }}"),
    ("billing/invoice_list.html", "{{ form.status }}"),
    ("billing/platform_ledger.html", "{{ form.payout_status }}"),
    # Already a label (insight/presenters.py METHOD_LABELS).
    ("insight/partials/forecast_card.html", "{{ card.method }}"),
}
TAG = re.compile(r"<[a-zA-Z][^<>]*>")  # attributes (class="badge-{{ x.status }}") are not text


def _templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES)
        if relative.parts[0] not in SKIPPED_DIRS:
            yield relative.as_posix(), path.read_text()


def test_templates_format_with_the_formatting_filters_only():
    found = []
    for name, text in _templates():
        for number, line in enumerate(text.splitlines(), 1):
            for match in RAW_FORMATTING.finditer(MACHINE_FORMATS.sub("", line)):
                found.append(f"{name}:{number}: {match.group(0)}")

    assert found == [], "use money/day/day_time/number/percent from {% load formatting %}"


def test_templates_using_the_filters_load_them():
    filters = re.compile(r"\|(money|money_whole|day|day_time|day_time_zone|day_short|month|"
                         r"month_long|number|percent|percent_points|hours)\b|\{% zone_label")
    missing = []
    for name, text in _templates():
        used = filters.search(text)
        loaded = re.search(r"\{% load [^%]*\bformatting\b", text)
        if used and (not loaded or loaded.start() > used.start()):  # a load counts from its line
            missing.append(name)

    assert missing == []


def test_templates_show_labels_not_codes():
    found = []
    for name, text in _templates():
        shown = TAG.sub("", text)
        for match in CODE_FIELDS.finditer(shown):
            if (name, match.group(0)) not in CODE_FIELD_ALLOWED:
                found.append(f"{name}: {match.group(0)}")

    assert found == [], "use get_FOO_display or |label:'kind' (advisoros/labels.py)"


def test_the_checks_catch_what_they_are_meant_to_catch():
    assert RAW_FORMATTING.search('{{ x.amount|floatformat:"2g" }}')
    assert RAW_FORMATTING.search("${{ x.amount }}")
    assert RAW_FORMATTING.search('{{ x.when|date:"M j" }}')
    assert not RAW_FORMATTING.search(MACHINE_FORMATS.sub("", "{{ x.when|date:'c' }}"))
    assert CODE_FIELDS.search(TAG.sub("", '<b class="{{ e.status }}">{{ e.status|capfirst }}</b>'))
    shown = TAG.sub("", '<b class="{{ e.status }}">{{ e.status|label:"x" }}</b>')
    assert not CODE_FIELDS.search(shown)
