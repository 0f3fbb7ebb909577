"""Small display helpers for the portal and staff templates."""

from django import template

register = template.Library()


@register.filter
def code_label(value: object) -> str:
    """"needs_review" -> "Needs review": rows come from .values(), not model instances."""
    text = str(value or "").replace("_", " ")
    return text[:1].upper() + text[1:]
