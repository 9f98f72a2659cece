"""Forms of the assistant: the question, and handing it over to a person."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openkreis.catalog.models import Service

from .dialogue import MAX_TEXT


class QuestionForm(forms.Form):
    frage = forms.CharField(
        label=_("Your question"),
        max_length=MAX_TEXT,
        help_text=_("In your own words, for example: “I lost my ID card, what now?”"),
        error_messages={
            "required": _("Please write a question."),
            "max_length": _("Please keep your question under %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class HandoverForm(forms.Form):
    frage = forms.CharField(
        label=_("Your question for the service team"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write your question.")},
    )
    leistung = forms.ModelChoiceField(
        label=_("Which service is it about?"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        empty_label=_("Please choose"),
        error_messages={"required": _("Please choose the service your question is about.")},
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Please give your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address for the answer"),
        required=False,
        error_messages={"invalid": _("Please give a valid e-mail address, like name@example.de.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    einverstanden = forms.BooleanField(
        label=_(
            "I agree that my question, my name and my contact are passed to the county's "
            "service team, who answer me."
        ),
        error_messages={"required": _("We can only pass on your question with your consent.")},
    )

    def __init__(self, *args, tenant=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["leistung"].queryset = Service.objects.filter(tenant=tenant).exclude(
            level=Service.Level.EXTERNAL
        )
        if user is not None:
            del self.fields["email"]
            self.fields["name"].initial = user.get_full_name()
        else:
            self.fields["email"].required = True
            self.fields["email"].error_messages["required"] = _(
                "Please give an e-mail address for the answer."
            )
