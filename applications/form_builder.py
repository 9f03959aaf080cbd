"""Django forms built from a published form definition (licensing.models.FormStep / FormField).

`build_step_form` turns one step into a `StepForm`: one Django field per FormField, with the definition's
validation rules, the applicant's previous answers or prefilled values as `initial`, prefilled values that
may be locked, and file fields checked by applications.uploads. The step page renders it with
`templates/applications/includes/step_fields.html`; `answers()` gives JSON values to store, `uploads()` the
checked files, and `display_answer` turns a stored value into text for the check-your-answers page.

Empty optional answers are stored as "" (text, email, phone, choice, activity), None (number, decimal, date,
yes/no, address) or [] (several choices).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from applications import address_fields as af
from applications import form_fields as ff
from applications.uploads import (
    DEFAULT_FORMATS,
    DEFAULT_MAX_SIZE_MB,
    CheckedUpload,
    accept_attribute,
    format_list,
    normalise_formats,
)
from licensing import prefill
from licensing.models import DocumentRequirement, FormField, FormStep
from registry.models import AdministrativeUnit
from registry.selectors import country_choices, country_name, isic_by_code

T = FormField.FieldType
TEXT_CAP = 255
TEXTAREA_CAP = 5000
# Which field template renders each type (under templates/applications/fields/).
TEMPLATES = {
    T.CHOICE: "radios",
    T.MULTICHOICE: "checkboxes",
    T.BOOLEAN: "radios",
    T.GAZETTEER_ADDRESS: "address",
    T.ISIC_ACTIVITY: "isic",
    T.FILE: "file",
}
COUNTRY_REFERENCE = "country"
# A choice with more options than this is a select rather than radios.
MAX_RADIOS = 6


@dataclass
class FieldMeta:
    """What a field template needs besides the Django field."""

    definition: FormField
    kind: str
    template: str
    hint: str = ""  # a format hint shown under the label ("DD/MM/YYYY", "PDF or PNG, up to 5 MB")
    prefill_source: str = ""
    locked: bool = False
    current_file: str = ""


class StepBoundField(forms.BoundField):
    """Bound field with ids for help and error texts and the extras the field templates show."""

    @property
    def meta(self) -> FieldMeta:
        return self.field.meta

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}_hint"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error"

    @property
    def help(self) -> str:
        return self.meta.definition.help

    @property
    def described_by(self) -> str:
        ids = []
        if self.help or self.meta.hint or self.meta.current_file or self.meta.locked:
            ids.append(self.hint_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def prefill_label(self) -> str:
        """Where a prefilled value came from ("Business: Single ID"), or "" when it was not prefilled."""
        source = prefill.get(self.meta.prefill_source) if self.meta.prefill_source else None
        return str(source.label) if source else ""

    @property
    def locked(self) -> bool:
        return self.meta.locked

    @property
    def is_group(self) -> bool:
        """Rendered as a fieldset with a legend (several inputs) rather than a label."""
        return self.meta.template in ("radios", "checkboxes", "address")

    @property
    def template_path(self) -> str:
        return f"applications/fields/{self.meta.template}.html"

    def build_widget_attrs(self, attrs: dict, widget=None) -> dict:
        attrs = super().build_widget_attrs(attrs, widget)
        attrs.pop("aria-describedby", None)
        # A group (radios, checkboxes, address) is described on its fieldset, not on each input.
        if not self.is_group and (described := self.described_by):
            attrs["aria-describedby"] = described
        if self.errors:
            attrs["aria-invalid"] = "true"
        if self.meta.template == "isic" and not self.field.disabled:
            # htmx sends this input's value (under its own name) and refills the datalist with matches.
            query = urlencode({"q_from": self.html_name, "lang": get_language() or ""})
            attrs.update(
                {
                    "list": self.datalist_id,
                    "hx-get": f"{reverse('lookups:isic')}?{query}",
                    "hx-trigger": "keyup changed delay:300ms",
                    "hx-target": f"#{self.datalist_id}",
                    "hx-swap": "innerHTML",
                }
            )
        if self.field.required and not self.is_group:
            attrs["aria-required"] = "true"
        return attrs

    @property
    def address_parts(self) -> list[dict]:
        widget = self.field.widget
        attrs = self.build_widget_attrs({"id": self.auto_id})
        return widget.parts(self.html_name, self.value(), attrs, self.form.renderer, reverse("lookups:units"))

    @property
    def datalist_id(self) -> str:
        return f"{self.auto_id}_options"

    @property
    def isic_options(self) -> list[tuple[str, str]]:
        """The current activity as the datalist's first option, so it shows before anything is typed."""
        value = self.field.to_python_quiet(self.value())
        if not value:
            return []
        activity = isic_by_code(value)
        return [(activity.code, ff.isic_label(activity))] if activity else []


class StepForm(forms.Form):
    """A form for one step of an application form definition. Build it with `build_step_form`."""

    bound_field_class = StepBoundField
    # The server checks every rule; browsers' own bubbles are neither translated nor in the error summary.
    use_required_attribute = False
    template_name = "applications/includes/step_fields.html"
    error_css_class = "esb-field--error"
    required_css_class = "esb-field--required"

    def __init__(self, *args, step: FormStep, definitions: list[FormField], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.definitions = {definition.key: definition for definition in definitions}

    def answers(self) -> dict[str, Any]:
        """JSON-serialisable values of the non-file fields (call after is_valid())."""
        result: dict[str, Any] = {}
        for key, definition in self.definitions.items():
            if definition.field_type == T.FILE:
                continue
            result[key] = to_json(definition.field_type, self.cleaned_data.get(key))
        return result

    def valid_answers(self) -> dict[str, Any]:
        """After a failed is_valid(): the answers that did pass, for "save and come back later" (the
        fields in error keep what was stored before)."""
        return {
            key: to_json(self.definitions[key].field_type, value)
            for key, value in self.cleaned_data.items()
            if key in self.definitions and self.definitions[key].field_type != T.FILE
        }

    def uploads(self) -> dict[str, CheckedUpload | list[CheckedUpload]]:
        """File-field key → checked upload (a list for a field that takes several files), for the files sent
        with this post (call after is_valid())."""
        result: dict[str, CheckedUpload | list[CheckedUpload]] = {}
        for key, definition in self.definitions.items():
            value = self.cleaned_data.get(key) if definition.field_type == T.FILE else None
            if isinstance(value, CheckedUpload) or (isinstance(value, list) and value):
                result[key] = value
        return result

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary: non-field errors first (anchor ""), then by field."""
        links = [("", str(message)) for message in self.non_field_errors()]
        for name in self.fields:
            bound = self[name]
            anchor = bound.auto_id
            if bound.meta.template == "address":
                # the first level left empty (what the messages usually ask for), else the province
                chosen = dict(zip(af.ADDRESS_KEYS, af.decompress_address(bound.value()), strict=True))
                empty = [level for level in af.ADDRESS_LEVELS if not chosen[level]]
                anchor = f"{bound.auto_id}_{empty[0] if empty else 'province'}"
            elif bound.meta.template in ("radios", "checkboxes") and not isinstance(
                bound.field.widget, forms.Select
            ):
                anchor = f"{bound.auto_id}_0"
            links.extend((anchor, str(message)) for message in bound.errors)
        return links


def to_json(field_type: str, value: Any) -> Any:
    if field_type == T.NUMBER:
        return value if value is None else int(value)
    if field_type == T.DECIMAL:
        return None if value is None else str(value)
    if field_type == T.DATE:
        return value.isoformat() if isinstance(value, datetime.date) else None
    if field_type == T.MULTICHOICE:
        return list(value or [])
    if field_type == T.BOOLEAN:
        return value if isinstance(value, bool) else None
    if field_type == T.GAZETTEER_ADDRESS:
        return dict(value) if value else None
    return value if value is not None else ""


def is_country(definition: FormField) -> bool:
    """A text field whose rules say it holds a country code (`{"reference": "country"}`)."""
    rules = definition.validation if isinstance(definition.validation, dict) else {}
    return rules.get("reference") == COUNTRY_REFERENCE


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def _field_for(
    definition: FormField,
    *,
    requirement: DocumentRequirement | None,
    existing_document: str,
) -> tuple[forms.Field, str]:
    """The Django field for one definition, and its format hint."""
    rules = definition.validation if isinstance(definition.validation, dict) else {}
    kind = definition.field_type
    common = {"label": definition.label, "label_text": definition.label, "required": definition.required}
    text_attrs = {"class": "form-control"}
    hint = ""
    if kind == T.TEXT and is_country(definition):
        # A country (nationality) is picked from the registry's ISO list by name; the answer is the code.
        field = ff.OneChoiceField(
            choices=[("", _("Choose a country…")), *country_choices()],
            widget=forms.Select(attrs={"class": "form-select", "autocomplete": "country"}),
            **common,
        )
    elif kind in (T.TEXT, T.EMAIL, T.PHONE):
        attrs = dict(text_attrs)
        widget_class = forms.TextInput
        if kind == T.EMAIL:
            widget_class = forms.EmailInput
            attrs.update({"autocomplete": "email", "spellcheck": "false"})
        elif kind == T.PHONE:
            attrs.update({"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        # No maxlength: a browser would cut a pasted answer silently; the server says what is too long.
        field = ff.TextAnswerField(
            rules=rules, kind=kind, max_cap=TEXT_CAP, widget=widget_class(attrs=attrs), **common
        )
    elif kind == T.TEXTAREA:
        field = ff.TextAnswerField(
            rules=rules,
            multiline=True,
            max_cap=TEXTAREA_CAP,
            widget=forms.Textarea(attrs={**text_attrs, "rows": "5"}),
            **common,
        )
    elif kind == T.NUMBER:
        field = ff.WholeNumberField(
            rules=rules,
            widget=forms.TextInput(attrs={**text_attrs, "inputmode": "numeric", "autocomplete": "off"}),
            **common,
        )
    elif kind == T.DECIMAL:
        field = ff.DecimalNumberField(
            rules=rules,
            widget=forms.TextInput(attrs={**text_attrs, "inputmode": "decimal", "autocomplete": "off"}),
            **common,
        )
    elif kind == T.DATE:
        hint = _("For example 31/12/2025 (day/month/year)")
        field = ff.FlexibleDateField(
            rules=rules,
            widget=forms.TextInput(
                attrs={**text_attrs, "inputmode": "numeric", "placeholder": str(ff.DATE_HINT)}
            ),
            **common,
        )
    elif kind == T.CHOICE:
        options = ff.choice_options(rules)
        if len(options) > MAX_RADIOS:
            widget = forms.Select(attrs={"class": "form-select"})
            options = [("", _("Choose…")), *options]
        else:
            widget = forms.RadioSelect(attrs={"class": "form-check-input"})
        field = ff.OneChoiceField(choices=options, widget=widget, **common)
    elif kind == T.MULTICHOICE:
        field = ff.SeveralChoicesField(
            choices=ff.choice_options(rules),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **common,
        )
    elif kind == T.BOOLEAN:
        field = ff.YesNoField(widget=forms.RadioSelect(attrs={"class": "form-check-input"}), **common)
    elif kind == T.GAZETTEER_ADDRESS:
        field = af.GazetteerAddressField(**common)
    elif kind == T.ISIC_ACTIVITY:
        hint = _("Type a code or a few words, then choose from the list.")
        field = ff.IsicActivityField(
            widget=forms.TextInput(attrs={**text_attrs, "autocomplete": "off"}), **common
        )
    elif kind == T.FILE:
        formats = normalise_formats(requirement.accepted_formats) if requirement else []
        formats = formats or list(DEFAULT_FORMATS)
        max_size = (requirement.max_size_mb if requirement else 0) or DEFAULT_MAX_SIZE_MB
        hint = _("%(formats)s, up to %(size)s MB") % {"formats": format_list(formats), "size": max_size}
        common["required"] = definition.required and not existing_document
        multiple = rules.get("multiple") is True
        attrs = {"class": "form-control", "accept": accept_attribute(formats)}
        if multiple:
            hint = _("One or more files (up to %(count)s): %(formats)s, each up to %(size)s MB") % {
                "count": ff.DocumentField.MAX_FILES,
                "formats": format_list(formats),
                "size": max_size,
            }
        field = ff.DocumentField(
            formats=formats,
            max_size_mb=max_size,
            multiple=multiple,
            widget=ff.SeveralFilesInput(attrs=attrs) if multiple else forms.FileInput(attrs=attrs),
            **common,
        )
    else:  # an unknown type cannot be published; show it as text rather than fail the page
        field = ff.TextAnswerField(rules={}, widget=forms.TextInput(attrs=text_attrs), **common)
    return field, hint


def build_step_form(
    step: FormStep,
    *,
    data=None,
    files=None,
    initial: Mapping[str, Any] | None = None,
    prefilled: Mapping[str, str] | None = None,
    locked: Collection[str] = (),
    existing_documents: Mapping[str, str] | None = None,
    requirements: Mapping[str, DocumentRequirement] | None = None,
    only: Collection[str] | None = None,
) -> StepForm:
    """The form for one step. `prefilled` maps field keys to the prefill source of their value; keys in
    `locked` are disabled (the posted value is ignored, the initial one kept) — but only when a value is
    there to keep, so a registry that returned nothing never leaves a required field impossible to fill."""
    initial = dict(initial or {})
    prefilled = dict(prefilled or {})
    existing_documents = dict(existing_documents or {})
    requirements = dict(requirements or {})
    definitions = sorted(step.fields.all(), key=lambda f: (f.order, f.pk or 0))
    if only is not None:
        wanted = set(only)
        definitions = [d for d in definitions if d.key in wanted]
    form = StepForm(
        data=data, files=files, initial=initial, step=step, definitions=definitions, auto_id="id_%s"
    )
    for definition in definitions:
        key = definition.key
        is_file = definition.field_type == T.FILE
        field, hint = _field_for(
            definition,
            requirement=requirements.get(definition.document_type_code) if is_file else None,
            existing_document=existing_documents.get(key, "") if is_file else "",
        )
        is_locked = key in locked and not is_file and _has_value(initial.get(key))
        field.disabled = is_locked
        template = TEMPLATES.get(definition.field_type, "input")
        if definition.field_type == T.CHOICE and isinstance(field.widget, forms.Select):
            template = "input"
        field.meta = FieldMeta(
            definition=definition,
            kind=definition.field_type,
            template=template,
            hint=hint,
            prefill_source=prefilled.get(key, ""),
            locked=is_locked,
            current_file=existing_documents.get(key, "") if is_file else "",
        )
        form.fields[key] = field
    return form


# --- reading stored answers -------------------------------------------------------------------------------


def _choice_label(definition: FormField, value: Any) -> str:
    labels = dict(ff.choice_options(definition.validation if isinstance(definition.validation, dict) else {}))
    return str(labels.get(value, value))


def _address_text(value: Mapping[str, Any]) -> str:
    codes = [str(value.get(level) or "") for level in af.ADDRESS_LEVELS]
    units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in=[c for c in codes if c])}
    parts: list[str] = []
    if house := str(value.get("house_number") or "").strip():
        parts.append(_("No. %(number)s") % {"number": house})
    if street := str(value.get("street_name") or "").strip():
        parts.append(street)
    if group := str(value.get("group_name") or "").strip():
        parts.append(_("Group %(name)s") % {"name": group})
    for code in reversed(codes):
        if code:
            unit = units.get(code)
            parts.append(unit.full_name if unit else code)
    return ", ".join(parts)


def display_answer(field: FormField, value: Any) -> str:
    """A stored answer as readable text in the active language ("" when there is none)."""
    if not _has_value(value):
        return ""
    kind = field.field_type
    try:
        if kind == T.NUMBER:
            return number_format(ff.parse_integer(value), force_grouping=True)
        if kind == T.DECIMAL:
            number = ff.parse_decimal(value)
            places = max(0, -number.as_tuple().exponent)
            return number_format(Decimal(number), decimal_pos=places, force_grouping=True)
        if kind == T.DATE:
            return date_format(ff.parse_date(value), "DATE_FORMAT")
    except (ValueError, TypeError):
        return str(value)
    if kind == T.BOOLEAN:
        return _("Yes") if value is True else _("No") if value is False else str(value)
    if kind == T.CHOICE:
        return _choice_label(field, value)
    if kind == T.MULTICHOICE:
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(_choice_label(field, item) for item in values)
    if kind == T.GAZETTEER_ADDRESS:
        return _address_text(value) if isinstance(value, Mapping) else str(value)
    if kind == T.TEXT and is_country(field):
        return country_name(str(value)) or str(value)
    if kind == T.ISIC_ACTIVITY:
        activity = isic_by_code(str(value))
        return ff.isic_label(activity) if activity else str(value)
    return str(value)
