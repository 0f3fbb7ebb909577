"""Error responses that show a request id and nothing of the inside: no traceback, no
setting, no SQL. The id links a user's report to the log line that has the details."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from advisoros.request_info import request_id


def server_error(request: HttpRequest) -> HttpResponse:
    rid = request_id(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Something went wrong on our side.", "request_id": rid},
                            status=500)
    try:
        body = loader.get_template("500.html").render({"request_id": rid})
    except Exception:
        body = f"Something went wrong. Request id: {rid}"
    return HttpResponse(body, status=500)
