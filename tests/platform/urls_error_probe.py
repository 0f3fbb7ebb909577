"""The public URLconf plus API routes that fail on purpose, for the JSON-error tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from advisoros.urls_public import handler500  # noqa: F401
from advisoros.urls_public import urlpatterns as public_urlpatterns


def _raise(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


@require_POST
def _post_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _read_body(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(len(request.POST)))


urlpatterns = [
    path("api/v1/probe/raise/", _raise),
    path("api/v1/probe/post-only/", _post_only),
    path("api/v1/probe/body/", _read_body),
    *public_urlpatterns,
]
