"""Forms of the notification settings page. Errors come out in the active language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.channels import InvalidDestination
from notifications.phones import CAMBODIA, to_e164


class _Accessible(forms.Form):
    """Bootstrap classes; help and errors tied to the input (ids as portal/includes/field.html renders)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-control")
            auto_id = self[name].auto_id
            described = [f"{auto_id}_help"] if field.help_text else []
            if self.is_bound and name in self.errors:
                described.append(f"{auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


class PhoneForm(_Accessible):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        help_text=_("For example 012 345 678 or +855 12 345 678. We send a 6-digit code to it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        try:
            phone = to_e164(self.cleaned_data["phone"])
            if not phone.startswith("+" + CAMBODIA):
                # applicants' SMS go to Cambodian numbers only (see optin.start_phone_verification)
                raise InvalidDestination(phone)
            return phone
        except InvalidDestination:
            raise forms.ValidationError(
                _("Enter a mobile phone number, for example 012 345 678 or +855 12 345 678.")
            ) from None


class CodeForm(_Accessible):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        help_text=_("The 6 digits we sent. The code works for 10 minutes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
