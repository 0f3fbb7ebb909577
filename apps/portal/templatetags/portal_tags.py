"""Small display helpers for the portal and staff templates."""

from django import template

from advisoros.labels import code_words
from advisoros.labels import label as label_of
from advisoros.labels import labels as labels_of

register = template.Library()


@register.filter
def code_label(value: object) -> str:
    """"needs_review" -> "Needs review", "cfo_advisory" -> "CFO advisory": rows come from
    .values(), not model instances. Prefer `label` with the kind where it is known."""
    return code_words(value)


@register.filter
def label(value: object, kind: str) -> str:
    """`{{ e.type|label:"engagement_type" }}`: the human label (advisoros/labels.py)."""
    return label_of(kind, value)


@register.filter
def labels(values, kind: str) -> list[str]:
    """A list of codes as their labels: `{{ key.scopes|labels:"scope"|join:", " }}`."""
    return labels_of(kind, values)
