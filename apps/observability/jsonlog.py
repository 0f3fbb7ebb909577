"""Structured logs: one JSON object per line, carrying request id, firm and user id.

The formatter reads the current WorkStats (set by the metrics middleware or a Celery task
signal), so any `logger.info(...)` anywhere in a request is tied to it without passing
anything around. Extra fields pass through except those whose name looks sensitive
(passwords, tokens, cookies, tax ids...), which are replaced, and the formatter never
touches request bodies, headers or query strings.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from apps.observability.context import current, user_id_of

SENSITIVE = re.compile(
    r"pass(word|wd)?|secret|token|authori[sz]ation|cookie|session|csrf|ssn|tax_?id|"
    r"bank|card|api_?key|otp|private", re.I)
REDACTED = "[redacted]"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _safe(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_safe(item) for item in value[:50]]
    if isinstance(value, dict):
        return {str(k): (REDACTED if SENSITIVE.search(str(k)) else _safe(v))
                for k, v in list(value.items())[:50]}
    return str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        stats = current()
        if stats is not None:
            entry["request_id"] = stats.request_id
            entry["firm"] = stats.firm
            user_id = user_id_of(stats)
            if user_id is not None:
                entry["user_id"] = user_id
        for name, value in record.__dict__.items():
            # django.request passes the HttpRequest itself: its repr carries the query
            # string, which may hold a token. The request id already identifies it.
            if name in _STANDARD or name.startswith("_") or name in entry or name == "request":
                continue
            entry[name] = REDACTED if SENSITIVE.search(name) else _safe(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
