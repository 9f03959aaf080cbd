"""Forms of the help pages. Messages come out in the active language; nothing here trusts the browser."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.models import SupportRequest

_PHONE = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{5,19}$",
    _("Enter a phone number with digits only, for example 012 345 678 or +855 12 345 678."),
)
_LOCAL_PATH = re.compile(r"^/(?!/)[^\s\\]{0,499}$")

RATING_CHOICES = [
    (1, _("1 – Very poor")),
    (2, _("2 – Poor")),
    (3, _("3 – Average")),
    (4, _("4 – Good")),
    (5, _("5 – Very good")),
]


class AccessibleFormMixin:
    """Bootstrap classes on widgets, and help texts and errors tied to their input by aria-describedby
    (ids `<input id>_help` and `<input id>_error`, as the templates render them)."""

    def _decorate(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if not isinstance(widget, forms.RadioSelect):
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs.setdefault("class", css)
            auto_id = self[name].auto_id
            described = []
            if field.help_text:
                described.append(f"{auto_id}_help")
            if self.is_bound and name in self.errors:
                described.append(f"{auto_id}_error")
                widget.attrs["aria-invalid"] = "true"
            if described and not isinstance(widget, forms.RadioSelect):
                widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self) -> None:
        super().full_clean()
        self._decorate()


def local_path(value: str | None) -> str:
    """`value` when it is a path on this site ("/services/"), else "" (never another host or a scheme)."""
    value = (value or "").strip()
    return value if _LOCAL_PATH.match(value) else ""


class SupportRequestForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=254,
        help_text=_("We send our answer here."),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        validators=[_PHONE],
        help_text=_("If you prefer that we call you back."),
    )
    topic = forms.ChoiceField(label=_("What is your question about?"), choices=SupportRequest.Topic.choices)
    application_reference = forms.CharField(
        label=_("Application reference (if you have one)"),
        required=False,
        max_length=40,
        help_text=_("For example MOC-2026-000123."),
    )
    # The service page the person came from (its code), carried so the request reaches that institution.
    service = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Your question"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Describe the problem and what you already tried. Do not write passwords or card numbers."
        ),
    )

    def __init__(self, *args, require_contact: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.require_contact = require_contact
        self._decorate()

    def clean(self) -> dict:
        data = super().clean()
        missing = not data.get("email") and not data.get("phone")
        # Only when neither field already has its own error (an invalid email is not a missing one).
        already_wrong = "email" in self.errors or "phone" in self.errors
        if self.require_contact and missing and not already_wrong:
            self.add_error("email", _("Give an email address or a phone number so that we can answer you."))
        return data


class FeedbackForm(AccessibleFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with this service?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("How could we improve?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At most 2000 characters. Do not write personal details."),
    )
    page = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._decorate()

    def clean_page(self) -> str:
        return local_path(self.cleaned_data.get("page"))
