"""Small model helpers shared by the catalog, form and workflow models."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import get_language


def localized(km: str, en: str) -> str:
    """The Khmer or English value for the active language, falling back to the other one."""
    return (km or en) if (get_language() or "").startswith("km") else (en or km)


class ChoiceArrayField(ArrayField):
    """An array of values from a fixed list, edited as checkboxes rather than as comma-separated text."""

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.base_field.choices,
            "coerce": self.base_field.to_python,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        # Skip ArrayField.formfield (comma-separated text) and build a plain multiple-choice field.
        return super(ArrayField, self).formfield(**defaults)
