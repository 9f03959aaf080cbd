"""Small model helpers shared by the catalog, form and workflow models."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.fields import ArrayField

from esb.i18n import localized

__all__ = ["ChoiceArrayField", "localized"]


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
