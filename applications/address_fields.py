"""The gazetteer address answer: four cascading selects (province → district → commune → village) and three
text parts, stored as one dict of codes and text."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from applications.form_fields import AnswerField, ascii_digits, clean_text
from registry.models import AdministrativeUnit

_CODE = re.compile(r"^\d{1,8}$")  # a gazetteer code
ADDRESS_LEVELS = ("province", "district", "commune", "village")
ADDRESS_REQUIRED_DEPTH = "commune"
ADDRESS_TEXT_PARTS = {"house_number": 50, "street_name": 150, "group_name": 100}
ADDRESS_KEYS = (*ADDRESS_LEVELS, *ADDRESS_TEXT_PARTS)


# --- gazetteer address ------------------------------------------------------------------------------------


def decompress_address(value: Any) -> list[str]:
    """A stored address dict (or a list from the inputs) → the seven parts, in ADDRESS_KEYS order."""
    if isinstance(value, dict):
        return [str(value.get(key) or "") for key in ADDRESS_KEYS]
    if isinstance(value, list | tuple):
        parts = [str(v or "") for v in value][: len(ADDRESS_KEYS)]
        return parts + [""] * (len(ADDRESS_KEYS) - len(parts))
    return [""] * len(ADDRESS_KEYS)


def unit_choices(level: str, parent_code: str | None) -> list[tuple[str, str]]:
    """Options of one address select: the provinces, or the children of the chosen unit above."""
    from registry.selectors import units_under

    empty = [("", _("Choose…"))]
    if level != "province" and not parent_code:
        return empty
    units = units_under(parent_code or None, None if parent_code else level)
    return empty + [(unit.code, unit.name) for unit in units if unit.level == level]


class AddressWidget(forms.MultiWidget):
    """Four cascading selects (province → district → commune → village) and three text inputs.

    Each select's options are rendered on the server for the units chosen above it, so the address works
    without JavaScript after a submit; with htmx, changing a select reloads the options of the next one
    (`lookups:units`) and empties the ones below it.
    """

    def __init__(self, attrs: dict | None = None) -> None:
        widgets = {level: forms.Select(attrs={"class": "form-select"}) for level in ADDRESS_LEVELS}
        widgets.update(
            {
                key: forms.TextInput(attrs={"class": "form-control", "maxlength": str(length)})
                for key, length in ADDRESS_TEXT_PARTS.items()
            }
        )
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str]:
        return decompress_address(value)

    def _set_choices(self, chosen: dict[str, str]) -> None:
        parent: str | None = None
        for level, widget in zip(ADDRESS_LEVELS, self.widgets, strict=False):
            widget.choices = unit_choices(level, parent)
            code = chosen.get(level) or ""
            parent = code if _CODE.match(code) and (level == "province" or parent) else None

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        parts = decompress_address(value)
        self._set_choices(dict(zip(ADDRESS_KEYS, parts, strict=True)))
        return super().get_context(name, parts, attrs)

    def parts(self, name: str, value: Any, attrs: dict, renderer, units_url: str) -> list[dict]:
        """Each input rendered on its own, with a readable id and, on the selects, the htmx cascade."""
        values = dict(zip(ADDRESS_KEYS, decompress_address(value), strict=True))
        self._set_choices(values)
        base_id = attrs.get("id") or f"id_{name}"
        ids = {key: f"{base_id}_{key}" for key in ADDRESS_KEYS}
        language = get_language() or ""
        rendered = []
        for index, (key, widget) in enumerate(zip(ADDRESS_KEYS, self.widgets, strict=True)):
            sub_attrs = {k: v for k, v in attrs.items() if k not in ("id", "required", "class")}
            sub_attrs["id"] = ids[key]
            if key in ADDRESS_LEVELS[:-1]:
                next_level = ADDRESS_LEVELS[index + 1]
                query = urlencode(
                    {
                        "parent_from": f"{name}_{key}",
                        "level": next_level,
                        "lang": language,
                        "clear": ",".join(ids[level] for level in ADDRESS_LEVELS[index + 2 :]),
                    }
                )
                sub_attrs.update(
                    {
                        "hx-get": f"{units_url}?{query}",
                        "hx-trigger": "change",
                        "hx-target": f"#{ids[next_level]}",
                        "hx-swap": "innerHTML",
                    }
                )
            rendered.append(
                {
                    "key": key,
                    "id": ids[key],
                    "label": address_part_label(key),
                    "is_select": key in ADDRESS_LEVELS,
                    "required": key in ADDRESS_LEVELS
                    and ADDRESS_LEVELS.index(key) <= ADDRESS_LEVELS.index(ADDRESS_REQUIRED_DEPTH),
                    "html": widget.render(f"{name}_{key}", values[key], sub_attrs, renderer),
                }
            )
        return rendered


class GazetteerAddressField(AnswerField, forms.MultiValueField):
    required_message = gettext_lazy("Choose the province, district and commune of “%(label)s”.")
    widget = AddressWidget

    def __init__(self, **kwargs) -> None:
        fields = [forms.CharField(required=False) for _key in ADDRESS_KEYS]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def clean(self, value: Any) -> dict | None:
        """Codes must exist at their level and nest (each unit a child of the one chosen above it); levels
        down to ADDRESS_REQUIRED_DEPTH must be chosen once any part of the address is given."""
        parts = dict(zip(ADDRESS_KEYS, decompress_address(value), strict=True))
        for level in ADDRESS_LEVELS:
            parts[level] = ascii_digits(parts[level])
        for key in ADDRESS_TEXT_PARTS:
            parts[key] = clean_text(parts[key])
        if not any(parts.values()):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        errors: list[ValidationError] = []
        for key, length in ADDRESS_TEXT_PARTS.items():
            if len(parts[key]) > length:
                errors.append(
                    ValidationError(
                        _("%(part)s: at most %(max)s characters.")
                        % {"part": address_part_label(key), "max": length},
                        code="max_length",
                    )
                )
        codes = [parts[level] for level in ADDRESS_LEVELS if parts[level]]
        if any(not _CODE.match(code) for code in codes):
            raise ValidationError(_("Choose the address from the lists."), code="invalid_choice")
        units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in=codes)}
        required_depth = ADDRESS_LEVELS.index(ADDRESS_REQUIRED_DEPTH)
        above: AdministrativeUnit | None = None
        for depth, level in enumerate(ADDRESS_LEVELS):
            code = parts[level]
            if not code:
                if depth <= required_depth:
                    errors.append(
                        ValidationError(
                            _("Choose the %(level)s.") % {"level": address_part_label(level)},
                            code="required_level",
                        )
                    )
                above = None
                continue
            unit = units.get(code)
            if unit is None or unit.level != level:
                errors.append(
                    ValidationError(
                        _("Choose the %(level)s from the list.") % {"level": address_part_label(level)},
                        code="invalid_choice",
                    )
                )
                above = None
                continue
            if above is not None and unit.parent_id != above.pk:
                errors.append(
                    ValidationError(
                        _("The %(level)s you chose is not in the %(upper)s you chose.")
                        % {
                            "level": address_part_label(level),
                            "upper": address_part_label(ADDRESS_LEVELS[depth - 1]),
                        },
                        code="not_nested",
                    )
                )
            above = unit
        if errors:
            raise ValidationError(errors)
        return parts

    def compress(self, data_list):  # pragma: no cover - clean() above does the work
        return data_list

    def has_changed(self, initial: Any, data: Any) -> bool:
        return decompress_address(initial) != decompress_address(data)


def address_part_label(key: str) -> str:
    labels = {
        "province": _("province"),
        "district": _("district"),
        "commune": _("commune"),
        "village": _("village"),
        "house_number": _("House number"),
        "street_name": _("Street"),
        "group_name": _("Group"),
    }
    return str(labels[key])
