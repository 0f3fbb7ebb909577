"""Render small templates that depend only on the values passed in, once per process.

Content-addressed: the key is the values themselves, so it needs no invalidation (the
one cache in the project outside the tagged mechanism, advisoros/cache_tags.py, for
that reason). `frozen` is also how the portal's page cache derives its key from what
the page renders (apps/portal/page_cache.py).

Template rendering is the largest cost of a warm portal page, and parts of every page
(the client's tabs, the dashboard figures) are pure functions of a few values. For those,
`render_pure` keys the output by the template name and the values themselves (plus the
active language and time zone), so a repeat is a dict lookup and no invalidation is ever
needed: different values are a different key.

Only for templates that read nothing but their context: no `request`, no `user`, no
`csrf_token`, no context processors (they are not run here).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import fields, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

_MAX_ENTRIES = 4096
_PLAIN = (str, int, float, Decimal, bool, type(None), date, datetime, time)
_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def frozen(value: Any) -> Any:
    """A hashable stand-in with the same identity as `value` for rendering purposes."""
    if isinstance(value, dict):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                tuple(frozen(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, _PLAIN):
        return value
    # Model instances, for one, compare by primary key only: a renamed client would hit
    # the old rendering. Pass plain values or frozen dataclasses of them instead.
    raise TypeError(f"render_pure takes plain values, not {type(value).__name__}")


def render_pure(template_name: str, **context: Any) -> SafeString:
    key = (template_name, frozen(context), translation.get_language(),
           timezone.get_current_timezone_name())
    with _lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
    if html is None:
        html = render_to_string(template_name, context)
        with _lock:
            _rendered[key] = html
            if len(_rendered) > _MAX_ENTRIES:
                _rendered.popitem(last=False)
    return mark_safe(html)  # noqa: S308 - output of our own templates
