"""The registry attributes a form field may be prefilled from (once-only principle).

A service administrator picks a key from this list for a form field; publishing checks that the key is
declared here and that the field's type can hold the value. Resolving the value (from the registries, the
CamDX once-only lookup or the applicant's CamDigiKey profile) happens in the application layer; this module
only declares what exists, so the catalog never depends on how values are fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# Field types (mirrors FormField.FieldType values; kept as strings so this module imports no model).
TEXT, TEXTAREA, NUMBER, DECIMAL, DATE = "text", "textarea", "number", "decimal", "date"
EMAIL, PHONE, CHOICE, MULTICHOICE, BOOLEAN = "email", "phone", "choice", "multichoice", "boolean"
GAZETTEER_ADDRESS, ISIC_ACTIVITY, FILE = "gazetteer_address", "isic_activity", "file"


@dataclass(frozen=True)
class PrefillSource:
    key: str
    label: Promise | str
    field_types: frozenset[str]
    # For choice fields: values the registry can return; the field must offer every one of them,
    # otherwise a prefilled value could not be shown as a selected option.
    choice_values: tuple[str, ...] = ()


def _person(prefix: str, who: Promise | str) -> list[PrefillSource]:
    """The attributes shared by the business owner and the authorised representative."""

    def src(attr: str, label: Promise | str, *types: str, choice_values: tuple[str, ...] = ()):
        # format_lazy keeps the label lazy, so it is rendered in the language of each request.
        full_label = format_lazy(_("{who}: {attribute}"), who=who, attribute=label)
        return PrefillSource(f"{prefix}.{attr}", full_label, frozenset(types), choice_values)

    return [
        src("first_name_km", _("first name (Khmer)"), TEXT),
        src("last_name_km", _("last name (Khmer)"), TEXT),
        src("first_name_en", _("first name (English)"), TEXT),
        src("last_name_en", _("last name (English)"), TEXT),
        src("gender", _("gender"), CHOICE, choice_values=("FEMALE", "MALE")),
        src("date_of_birth", _("date of birth"), DATE),
        src("nationality", _("nationality (country code)"), TEXT, CHOICE),
        src("identity_number", _("ID or passport number"), TEXT),
        src("phone", _("phone"), PHONE, TEXT),
        src("email", _("email"), EMAIL, TEXT),
        src("address", _("address"), GAZETTEER_ADDRESS),
    ]


_SOURCES: list[PrefillSource] = [
    PrefillSource("business.single_id", _("Business: Single ID"), frozenset({TEXT})),
    PrefillSource("business.name_km", _("Business: name (Khmer)"), frozenset({TEXT})),
    PrefillSource("business.name_en", _("Business: name (English)"), frozenset({TEXT})),
    PrefillSource("business.email", _("Business: email"), frozenset({EMAIL, TEXT})),
    PrefillSource("business.phone", _("Business: phone"), frozenset({PHONE, TEXT})),
    PrefillSource("business.total_employees", _("Business: total employees"), frozenset({NUMBER})),
    PrefillSource("business.female_employees", _("Business: female employees"), frozenset({NUMBER})),
    PrefillSource("business.foreign_employees", _("Business: foreign employees"), frozenset({NUMBER})),
    PrefillSource(
        "business.foreign_female_employees", _("Business: foreign female employees"), frozenset({NUMBER})
    ),
    PrefillSource("business.address", _("Business: address"), frozenset({GAZETTEER_ADDRESS})),
    PrefillSource(
        "business.primary_activity", _("Business: primary activity (ISIC)"), frozenset({ISIC_ACTIVITY})
    ),
    *_person("owner", _("Owner")),
    *_person("representative", _("Representative")),
    PrefillSource("applicant.full_name_km", _("Applicant: full name (Khmer)"), frozenset({TEXT})),
    PrefillSource("applicant.full_name_en", _("Applicant: full name (English)"), frozenset({TEXT})),
    PrefillSource("applicant.email", _("Applicant: email"), frozenset({EMAIL, TEXT})),
    PrefillSource("applicant.phone", _("Applicant: phone"), frozenset({PHONE, TEXT})),
]

PREFILL_SOURCES: dict[str, PrefillSource] = {source.key: source for source in _SOURCES}


def get(key: str) -> PrefillSource | None:
    return PREFILL_SOURCES.get(key)


def choices() -> list[tuple[str, Promise | str]]:
    """Choices for FormField.prefill_source (a callable, so adding a key needs no migration)."""
    return [(source.key, source.label) for source in _SOURCES]


def compatible_keys(field_type: str) -> list[str]:
    return [source.key for source in _SOURCES if field_type in source.field_types]
