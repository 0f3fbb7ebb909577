"""Forms of the template builders: they shape input; apps.people.builders decides."""

from __future__ import annotations

from django import forms

from apps.people.models_organizers import QuestionKind


class OrganizerTemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="Shown to staff when they choose what to send.")


class QuestionForm(forms.Form):
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    section = forms.CharField(required=False, max_length=200,
                              help_text="Empty: the same section as the question above.")
    label = forms.CharField(label="Question", required=False, max_length=500)
    kind = forms.ChoiceField(label="Answer", choices=QuestionKind.choices,
                             initial=QuestionKind.YES_NO)
    required = forms.BooleanField(label="An answer is required", required=False,
                                  initial=True)
    choices = forms.CharField(label="Options (choice questions)", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="One option per line.")
    show_if = forms.ChoiceField(label="Ask only if", required=False)
    equals = forms.CharField(label="has the answer", required=False, max_length=200,
                             help_text="yes or no, or one of that question's options.")
    document_label = forms.CharField(label="A yes asks for this document", required=False,
                                     max_length=150,
                                     help_text="For example “Form 1098”. Yes/no questions.")

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show_if"].choices = [("", "Always ask"), *conditions]

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("key") and not (data.get("label") or "").strip()


QuestionFormSet = forms.formset_factory(QuestionForm, extra=3, can_delete=True,
                                        can_order=True, max_num=150, absolute_max=200)


class ProposalTemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    introduction = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    terms = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
