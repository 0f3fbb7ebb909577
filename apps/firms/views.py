"""The public site's front page: what AdvisorOS is, and the firms a signed-in user belongs to."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.models import Membership
from apps.firms.selectors import firm_host
from apps.observability.views import is_platform_staff


def public_home(request: HttpRequest) -> HttpResponse:
    memberships = []
    if request.user.is_authenticated:
        memberships = [
            {"firm": m.firm, "role": m.get_role_display(), "host": firm_host(m.firm.slug)}
            for m in Membership.objects.filter(user=request.user, is_active=True)
            .select_related("firm").order_by("firm__name")
        ]
    return render(request, "firms/public_home.html", {
        "memberships": memberships, "port": request.get_port(),
        # Platform staff run the platform rather than a firm: their home is its tools.
        "platform_staff": is_platform_staff(request)})
