"""The dashboard's filters: a period and, for an officer who sees several institutions, one of them."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard import selectors

# A wider period is refused: the page would draw years of months.
MAX_PERIOD_DAYS = 366 * 10


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months: from the first day of the month a year before the current one, to today."""
    return datetime.date(today.year - 1, today.month, 1), today


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=None, required=False, empty_label=_("All institutions")
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = selectors.institutions_for(user)
        # One institution: nothing to choose, so the field is hidden (a value sent anyway is still checked).
        self.show_institution = selectors.may_filter_institutions(user)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start of the period must not be after its end."))
            if (end - start).days > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("Choose a period of ten years or less."))
        return data
