"""Parsing and validating search and match input, shared by the pages and the API.

Each parser takes the raw mapping (query string or JSON body) and returns a frozen,
normalised dataclass, or raises ValidationError with one message per field. Normalised
values are also what the cache key is built from, so `?industries=saas,fintech` and
`?industries=fintech&industries=saas` share an entry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from apps.marketplace.vocabulary import CompanySize, Industry, Service

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
QUERY_MAX_CHARS = 200
NEEDS_MAX_CHARS = 2000
MONEY_MAX = Decimal("1000000")

# sort name -> (model field, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "rating": ("overall_rating", True),
    "experience": ("years_experience", True),
    "price": ("hourly_rate", False),
    "reviews": ("total_reviews", True),
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: str  # the sort column's value of the last row, as text (Decimal or int)
    last_id: int

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.value, self.last_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class SearchParams:
    industries: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    min_rating: Decimal | None = None
    max_rate: Decimal | None = None
    available: bool | None = None
    verified: bool | None = None
    q: str = ""
    sort: str = "rating"
    page_size: int = PAGE_SIZE_DEFAULT
    cursor: Cursor | None = None

    def cache_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cursor"] = self.cursor.encode() if self.cursor else None
        return data


@dataclass(frozen=True)
class MatchCriteria:
    industries: tuple[str, ...] = ()
    required_services: tuple[str, ...] = ()
    budget: Decimal | None = None
    company_size: str | None = None
    needs: str = ""
    # Soft preferences: read from `needs` (apps/marketplace/understanding.py) unless the
    # client gave or edited them. They raise the score of advisors who fit; they never
    # exclude anyone, unlike the hard criteria above.
    prefer_industries: tuple[str, ...] = ()
    prefer_services: tuple[str, ...] = ()
    prefer_size: str | None = None
    prefer_budget: Decimal | None = None
    preferences_inferred: bool = False

    def cache_dict(self) -> dict[str, Any]:
        return asdict(self)

    def preferences_summary(self) -> list[str]:
        from apps.marketplace.understanding import Understanding

        return Understanding(industries=self.prefer_industries, services=self.prefer_services,
                             company_size=self.prefer_size, budget=self.prefer_budget).summary()


def _values(data: Mapping, name: str) -> list[str]:
    """Multi-valued input: repeated keys, comma-separated text, or a JSON list."""
    if hasattr(data, "getlist"):
        raw = data.getlist(name)
    else:
        raw = data.get(name)
        raw = [] if raw is None else raw if isinstance(raw, list) else [raw]
    values: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise ValidationError({name: "Give a list of codes."})
        values.extend(part.strip() for part in item.split(",") if part.strip())
    return values


def _one(data: Mapping, name: str) -> Any:
    value = data.get(name)
    return None if value in (None, "") else value


def _text(value: Any, name: str, limit: int, errors: dict) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = "Must be text."
        return ""
    if "\x00" in value:
        errors[name] = "Must not contain NUL characters."
        return ""
    value = " ".join(value.split())
    if len(value) > limit:
        errors[name] = f"At most {limit} characters."
        return ""
    return value


def _codes(data: Mapping, name: str, allowed: type, errors: dict) -> tuple[str, ...]:
    try:
        values = _values(data, name)
    except ValidationError as exc:
        errors[name] = exc.messages[0]
        return ()
    unknown = sorted({v for v in values if v not in allowed.values})
    if unknown:
        shown = ", ".join(repr(v[:40]) for v in unknown[:5])
        errors[name] = f"Unknown value(s): {shown}. Allowed: {', '.join(allowed.values)}."
        return ()
    return tuple(sorted(set(values)))


def _decimal(value: Any, name: str, errors: dict, *, maximum: Decimal) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        errors[name] = "Must be a number."
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[name] = "Must be a number."
        return None
    if not number.is_finite():
        errors[name] = "Must be a number."
    elif number < 0:
        errors[name] = "Must not be negative."
    elif number > maximum:
        errors[name] = f"Must be at most {maximum}."
    else:
        return number.quantize(Decimal("0.01"))
    return None


def _bool(value: Any, name: str, errors: dict) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    errors[name] = "Use true or false."
    return None


def _cursor(value: Any, sort: str, errors: dict) -> Cursor | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 200:
            raise ValueError
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        cursor_sort, cursor_value, last_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(last_id, int) or last_id < 0:
            raise ValueError
        Decimal(cursor_value)  # must be a plain number
        if not Decimal(cursor_value).is_finite():
            raise ValueError
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeDecodeError):
        errors["cursor"] = "Invalid cursor: use the `next` link of a previous page."
        return None
    return Cursor(sort=sort, value=str(cursor_value), last_id=last_id)


# The list's query parameters; anything else is ignored (and left out of `next` links
# and cache keys).
SEARCH_PARAM_NAMES = frozenset({"industries", "services", "min_rating", "max_rate",
                                "available", "verified", "q", "sort", "page_size", "cursor"})


def search_params_parse(data: Mapping) -> SearchParams:
    errors: dict[str, str] = {}
    sort = _one(data, "sort") or "rating"
    if sort not in SORTS:
        errors["sort"] = f"Unknown sort. Use one of: {', '.join(SORTS)}."
        sort = "rating"
    page_size = PAGE_SIZE_DEFAULT
    raw_size = _one(data, "page_size")
    if raw_size is not None:
        try:
            page_size = int(str(raw_size))
        except ValueError:
            errors["page_size"] = "Must be a whole number."
        else:
            if not 1 <= page_size <= PAGE_SIZE_MAX:
                errors["page_size"] = f"Must be between 1 and {PAGE_SIZE_MAX}."
    params = SearchParams(
        industries=_codes(data, "industries", Industry, errors),
        services=_codes(data, "services", Service, errors),
        min_rating=_decimal(_one(data, "min_rating"), "min_rating", errors,
                            maximum=Decimal("5")),
        max_rate=_decimal(_one(data, "max_rate"), "max_rate", errors, maximum=MONEY_MAX),
        available=_bool(_one(data, "available"), "available", errors),
        verified=_bool(_one(data, "verified"), "verified", errors),
        q=_text(_one(data, "q"), "q", QUERY_MAX_CHARS, errors),
        sort=sort,
        page_size=page_size,
        cursor=_cursor(_one(data, "cursor"), sort, errors),
    )
    if params.verified is False:
        errors["verified"] = "Only verified advisors are listed; leave this out or use true."
    if errors:
        raise ValidationError(errors)
    return params


PREFERENCE_NAMES = ("prefer_industries", "prefer_services", "prefer_size", "prefer_budget")


def needs_fingerprint(needs: str) -> str:
    """Names the needs text the shown preferences were read from: the page sends it back,
    so edited preferences are kept until the client changes the text itself."""
    return hashlib.sha256(needs.encode()).hexdigest()[:16]


def _size_code(data: Mapping, name: str, errors: dict) -> str | None:
    size = _one(data, name)
    if size is not None and size not in CompanySize.values:
        errors[name] = f"Unknown size. Use one of: {', '.join(CompanySize.values)}."
        return None
    return size


def match_criteria_parse(data: Mapping, *, understand: bool = True) -> MatchCriteria:
    """`understand=False` leaves the soft preferences to what `data` gives (the evaluation
    compares with and without them)."""
    errors: dict[str, str] = {}
    size = _size_code(data, "company_size", errors)
    criteria = MatchCriteria(
        industries=_codes(data, "industries", Industry, errors),
        required_services=_codes(data, "required_services", Service, errors),
        budget=_decimal(_one(data, "budget"), "budget", errors, maximum=MONEY_MAX),
        company_size=size,
        needs=_text(_one(data, "needs"), "needs", NEEDS_MAX_CHARS, errors),
        prefer_industries=_codes(data, "prefer_industries", Industry, errors),
        prefer_services=_codes(data, "prefer_services", Service, errors),
        prefer_size=_size_code(data, "prefer_size", errors),
        prefer_budget=_decimal(_one(data, "prefer_budget"), "prefer_budget", errors,
                               maximum=MONEY_MAX),
    )
    if not errors and not (criteria.industries or criteria.required_services or criteria.needs):
        errors["needs"] = "Describe what you need, or choose industries or services."
    if errors:
        raise ValidationError(errors)
    # Preferences the client set (or kept, for this same text) win over a fresh reading.
    # The page sends `understood_for` with its preference fields (an empty multi-select
    # sends nothing, and cleared preferences must stay cleared); API callers just send them.
    # The page's first search sends empty preference fields and an empty `understood_for`:
    # nothing was understood yet, so the text is read.
    if "understood_for" in data:
        given = data.get("understood_for") == needs_fingerprint(criteria.needs)
    else:
        given = any(name in data for name in PREFERENCE_NAMES)
    if understand and criteria.needs and not given:
        from apps.marketplace.understanding import needs_understand

        understood = needs_understand(criteria.needs)
        criteria = replace(criteria, prefer_industries=understood.industries,
                           prefer_services=understood.services,
                           prefer_size=understood.company_size,
                           prefer_budget=understood.budget, preferences_inferred=True)
    return criteria
