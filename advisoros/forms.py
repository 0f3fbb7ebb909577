"""How a page's form hands its input to a service and shows what the service refused.

Forms shape and check input; services decide and raise `ValidationError` with field keys
(docs/architecture.md, "Layers"). These helpers put a service's refusal back on the form
the person filled in, next to the field it is about, so every page answers bad input the
same way: the form again, with the message, status 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's field errors next to the form's fields (others on top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@dataclass(frozen=True)
class Written:
    """What `form_written` did: true when the service accepted the input, with what the
    service returned (the saved row, typically) in `result`."""

    ok: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.ok


def form_written(form: forms.BaseForm, write: Callable[[dict[str, Any]], object]) -> Written:
    """Validate `form` and, when it is valid, call `write(form.cleaned_data)` (a service).

    True (with the service's return value) when the service accepted the input; false
    when the form or the service refused it, with the reasons on the form for the page
    to show again:

        if written := form_written(form, lambda data: job_create(**data)):
            return redirect("work:job_detail", job_id=written.result.pk)
        return render(request, "work/job_form.html", {"form": form}, status=400)
    """
    if not form.is_valid():
        return Written(ok=False)
    try:
        result = write(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return Written(ok=False)
    return Written(ok=True, result=result)
