"""advisoros/forms.py: a page's form handed to its service, the service's refusal shown
on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from advisoros.forms import form_written


class NoteForm(forms.Form):
    note = forms.CharField()


def test_an_accepted_write_is_true_and_carries_what_the_service_returned():
    form = NoteForm({"note": "Checked"})

    written = form_written(form, lambda data: {"saved": data["note"]})

    assert written and written.result == {"saved": "Checked"}
    assert form.errors == {}


def test_an_invalid_form_never_reaches_the_service():
    calls = []
    form = NoteForm({"note": ""})

    written = form_written(form, calls.append)

    assert not written and written.result is None
    assert calls == [] and form.errors == {"note": ["This field is required."]}


def test_a_refusal_is_shown_by_field_and_the_rest_on_top():
    form = NoteForm({"note": "Too late"})

    def refuse(data):
        raise ValidationError({"note": "The finding is already resolved.",
                               "closed_at": "Not any more."})

    assert not form_written(form, refuse)
    assert form.errors == {"note": ["The finding is already resolved."],
                           "__all__": ["Not any more."]}


def test_a_refusal_naming_no_field_is_shown_on_top():
    form = NoteForm({"note": "x"})

    def refuse(data):
        raise ValidationError("The client is archived.")

    assert not form_written(form, refuse)
    assert form.non_field_errors() == ["The client is archived."]
