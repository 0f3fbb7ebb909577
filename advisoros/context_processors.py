from django.conf import settings
from django.http import HttpRequest

from apps.accounts.access import request_role
from apps.accounts.roles import Role, permissions_for_role


def firm(request: HttpRequest) -> dict:
    """The current firm, the user's role in it and their permissions, for navigation."""
    role = request_role(request)
    return {
        "firm": getattr(request, "firm", None),
        "firm_role": role,
        "firm_role_label": Role(role).label if role else "",
        "firm_perms": permissions_for_role(role),
        "base_domain": settings.BASE_DOMAIN,
        # Set on /portal/ pages while staff preview them (apps/portal/preview.py).
        "portal_preview": getattr(request, "portal_preview", None),
    }
