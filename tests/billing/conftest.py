"""Billing fixtures: the portal's (tests run inside firm A's schema unless they switch)."""

from tests.portal.conftest import in_firm_a, in_firm_b  # noqa: F401
