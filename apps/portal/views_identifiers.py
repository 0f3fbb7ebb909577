"""Staff pages for a client's identifiers: set them (masked on every page), and reveal one
to a role allowed to, each reveal audited and never cached."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.portal import selectors
from apps.portal.identifiers import REVEALABLE, client_identifier_reveal, client_identifiers_set


class IdentifiersForm(forms.Form):
    ssn = forms.CharField(required=False, max_length=40, label="SSN",
                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    tax_id = forms.CharField(required=False, max_length=40, label="EIN / tax ID",
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    bank_account = forms.CharField(required=False, max_length=40, label="Bank account number",
                                   widget=forms.TextInput(attrs={"autocomplete": "off"}))
    clear = forms.MultipleChoiceField(required=False, choices=list(REVEALABLE.items()),
                                      widget=forms.CheckboxSelectMultiple,
                                      label="Remove these")


@firm_permission_required(Perm.CLIENTS_EDIT)
def client_identifiers_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.client_get(client_id)
    form = IdentifiersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Blank keeps the stored value (it is never shown back in the form); "remove" clears.
        values = {field: ("" if field in data["clear"] else (data[field] or None))
                  for field in REVEALABLE}
        try:
            client_identifiers_set(client=client, request=request, **values)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Identifiers saved.")
            return redirect("staff:client_detail", client_id=client.pk)
    return render(request, "staff/client_identifiers.html", {"client": client, "form": form},
                  status=400 if request.method == "POST" else 200)


@never_cache
@require_POST
@firm_permission_required(Perm.SENSITIVE_REVEAL)
def client_identifier_reveal_view(request: HttpRequest, client_id: int,
                                  field: str) -> HttpResponse:
    if field not in REVEALABLE:
        raise Http404
    client = selectors.client_get(client_id)
    value = client_identifier_reveal(client=client, field=field, request=request)
    return render(request, "staff/client_identifier_revealed.html",
                  {"client": client, "label": REVEALABLE[field], "value": value})
