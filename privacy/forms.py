"""The consent form. The texts' ids travel in hidden inputs so a text published between showing the page
and submitting it is detected rather than silently agreed to."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.models import ConsentText

TEXT_CHANGED = _("The consent text was updated; please read it again.")


class ConsentForm(forms.Form):
    camdx_text_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    outside_text_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    agree_camdx = forms.BooleanField(
        label=_("I agree that my data is shared within the CamDX cluster, as described above."),
        required=True,
        error_messages={
            "required": _(
                "Tick the box to agree to sharing within the CamDX cluster: "
                "without it you cannot apply online."
            )
        },
    )
    agree_outside = forms.BooleanField(
        label=_("I also agree that my data is shared outside the CamDX cluster, as described above."),
        required=False,
    )

    def __init__(self, *args, camdx_text: ConsentText | None, outside_text: ConsentText | None, **kwargs):
        self.camdx_text = camdx_text
        self.outside_text = outside_text
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        shown_camdx = cleaned.get("camdx_text_id")
        shown_outside = cleaned.get("outside_text_id")
        current_outside = self.outside_text.pk if self.outside_text else None
        if self.camdx_text is None or shown_camdx != self.camdx_text.pk:
            raise forms.ValidationError(TEXT_CHANGED, code="text_changed")
        if cleaned.get("agree_outside") and shown_outside != current_outside:
            raise forms.ValidationError(TEXT_CHANGED, code="text_changed")
        return cleaned
