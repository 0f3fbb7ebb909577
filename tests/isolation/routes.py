"""Enumerate a URLconf into concrete, requestable paths.

Parameterised routes get sample values: `SAMPLES` (url name -> function of the firm world
returning kwargs naming real objects of that firm) wins; otherwise each converter gets a
plain value of its type. New apps add their detail routes to SAMPLES so the isolation test
requests real objects, not just missing ones.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER_SAMPLES = {"int": "1", "str": "sample", "slug": "sample", "path": "1",
                     "uuid": str(uuid.UUID(int=1))}
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")

# url name -> callable(world) -> {kwarg: value}; filled by later apps' fixtures.
SAMPLES: dict[str, Callable] = {}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route text when unnamed
    template: str  # e.g. "admin/portal/client/<path:object_id>/change/"

    def path_for(self, world) -> str:
        given = SAMPLES[self.name](world) if self.name in SAMPLES else {}

        def fill(match: re.Match) -> str:
            name = match.group("name")
            if name in given:
                return str(given[name])
            return CONVERTER_SAMPLES.get(match.group("converter") or "str", "1")

        return "/" + _PARAM.sub(fill, self.template)


def _pattern_text(pattern) -> str:
    text = str(pattern.pattern)
    # Regex routes (admin's app_list) become plain text with a sample value.
    text = text.lstrip("^").rstrip("$")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: f"<{m.group(1)}>", text)


def iter_routes(urlconf: str) -> Iterator[Route]:
    def walk(patterns, prefix: str, namespace: str | None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                if ns and namespace and entry.namespace:
                    ns = f"{namespace}:{entry.namespace}"
                yield from walk(entry.url_patterns, prefix + _pattern_text(entry), ns)
            elif isinstance(entry, URLPattern):
                template = prefix + _pattern_text(entry)
                name = entry.name or template
                if namespace and entry.name:
                    name = f"{namespace}:{entry.name}"
                yield Route(name=name, template=template)

    yield from walk(get_resolver(urlconf).url_patterns, "", None)

# Staff pages, client portal and firm API (apps/portal): real objects of firm A.
from tests.portal.samples import PORTAL_SAMPLES  # noqa: E402

SAMPLES.update(PORTAL_SAMPLES)

# Marketplace pages and API on firm hosts (apps/marketplace): a real advisor and a real
# completed engagement of firm A.
from tests.marketplace.samples import MARKETPLACE_SAMPLES  # noqa: E402

SAMPLES.update(MARKETPLACE_SAMPLES)

# Firm security pages (apps/security): a member and an API key of the firm.
from tests.security.samples import SECURITY_SAMPLES  # noqa: E402

SAMPLES.update(SECURITY_SAMPLES)

# Document pages, portal document pages and the documents API (apps/documents).
from tests.documents.isolation_samples import DOCUMENT_SAMPLES  # noqa: E402

SAMPLES.update(DOCUMENT_SAMPLES)

# Billing pages, portal invoice pages and API (apps/billing): a real sent, part-paid
# invoice of firm A with its payment, and a client to bill.
from tests.billing.samples import BILLING_SAMPLES  # noqa: E402

SAMPLES.update(BILLING_SAMPLES)

# Integrations (apps/integrations): a client's Books tab and actions, a webhook endpoint
# and one of its deliveries.
from tests.integrations.samples import INTEGRATION_SAMPLES  # noqa: E402

SAMPLES.update(INTEGRATION_SAMPLES)

# Work management pages and API (apps/work): a real job of firm A with a task, a failed
# automation run and its template.
from tests.work.samples import WORK_SAMPLES  # noqa: E402

SAMPLES.update(WORK_SAMPLES)

# People pages (apps/people): a member, a pending invitation, a client with a portal user.
from tests.people.samples import PEOPLE_SAMPLES  # noqa: E402

SAMPLES.update(PEOPLE_SAMPLES)

# Forecast pages (apps/insight): a client of firm A with a stored forecast.
from tests.insight.samples import INSIGHT_SAMPLES  # noqa: E402

SAMPLES.update(INSIGHT_SAMPLES)

# Client health and compliance pages (apps/clienthealth, apps/compliance): a scored
# client, and a retention finding with a deletion waiting for approval.
from tests.clienthealth.samples import CLIENT_HEALTH_SAMPLES  # noqa: E402
from tests.compliance.samples import COMPLIANCE_SAMPLES  # noqa: E402

SAMPLES.update(CLIENT_HEALTH_SAMPLES)
SAMPLES.update(COMPLIANCE_SAMPLES)

# Ask your documents (apps/ask): a client of firm A with an indexed document.
from tests.ask.samples import ASK_SAMPLES  # noqa: E402

SAMPLES.update(ASK_SAMPLES)
