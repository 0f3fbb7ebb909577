"""Error responses that show a request id and nothing of the inside: no traceback, no
setting, no SQL. The id links a user's report to the log line that has the details.

Under /api/ every error is JSON, whatever raised it and whether DEBUG is on: integrators'
clients parse the body, and Django's HTML pages (its debug pages above all) would both
break them and show internals. DRF already answers its own errors as JSON; the middleware
here covers what happens outside DRF (no such route, a body too large, an exception).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from advisoros.request_info import request_id

API_PREFIX = "/api/"

# What the caller did wrong, when Django (not DRF) refused the request body.
_BODY_LIMITS: dict[type[Exception], tuple[int, str]] = {
    RequestDataTooBig: (413, "The request body is too large."),
    TooManyFilesSent: (400, "Too many files in one request."),
    TooManyFieldsSent: (400, "Too many fields in one request."),
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(request: HttpRequest, status: int, detail: str | None = None) -> JsonResponse:
    if detail is None:
        detail = ("Something went wrong on our side." if status >= 500
                  else HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_
                  else "Request refused.")
    return JsonResponse({"detail": detail, "request_id": request_id(request)}, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    rid = request_id(request)
    if _is_api(request):
        return api_error(request, 500)
    try:
        body = loader.get_template("500.html").render({"request_id": rid})
    except Exception:
        body = f"Something went wrong. Request id: {rid}"
    return HttpResponse(body, status=500)


class ApiJsonErrorsMiddleware:
    """Turns any non-JSON error answer under /api/ into `{"detail", "request_id"}` with the
    same status (Django's 404 and 500 pages, debug or not, a plain-text refusal), and a
    body over the upload limits into 413/400 naming the limit.

    Placed right after the request-metrics middleware, so it sees what every inner layer
    answered; an exception is still logged by Django before its page reaches us."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_api(request) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json") or "+json" in content_type:
            return response
        converted = api_error(request, response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        return converted

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not _is_api(request):
            return None
        for exc_type, (status, detail) in _BODY_LIMITS.items():
            if isinstance(exception, exc_type):
                return api_error(request, status, detail)
        return None
