"""Staff pages: ask the firm's documents, firm-wide or about one client.

Only firm staff holding documents.view reach these (client users never hold it); the
answer is read from the request's firm schema only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.ask.forms import AskForm
from apps.ask.generator import generate_answer
from apps.ask.selectors import ask
from apps.portal.models import Client


def _page(request: HttpRequest, client: Client | None) -> HttpResponse:
    form = AskForm(request.GET or None)
    answer = None
    if form.is_valid():
        answer = ask(form.cleaned_data["q"], client_id=client.pk if client else None)
        answer.generated = generate_answer(answer)
    return render(request, "ask/ask.html", {"form": form, "answer": answer, "client": client},
                  status=400 if request.GET and not form.is_valid() else 200)


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def firm_ask(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@firm_permission_required(Perm.DOCUMENTS_VIEW)
def client_ask(request: HttpRequest, client_id: int) -> HttpResponse:
    return _page(request, get_object_or_404(Client.objects.alive(), pk=client_id))
