"""The registry attributes a form field may be prefilled from (once-only principle), and the registry of
prefill sources that answer them.

A service administrator picks a key from this list for a form field; publishing checks that the key is
declared here and that the field's type can hold the value. Fetching the values is the job of prefill
source plugins (`prefill_sources`, an `esb.plugins` registry): the local base registries today
(applications/prefill.py) and the business registry through CamDX (applications/prefill_camdx.py), each
registered the same way; `ESB_PREFILL_SOURCES` says which of them answer, in which order. This module only
declares what exists and the plugin interface, so the catalog never depends on how values are fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from esb.plugins import Plugin, Registry

if TYPE_CHECKING:
    from accounts.models import User
    from registry.models import Business

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


@dataclass(frozen=True)
class PersonAttribute:
    name: str
    label: Promise | str
    field_types: tuple[str, ...]
    choice_values: tuple[str, ...] = ()


# What the person registry knows of a business owner or authorised representative: the one list that the
# declared keys below and the local registry source (applications/prefill.py) are both built from.
PERSON_ATTRIBUTES: tuple[PersonAttribute, ...] = (
    PersonAttribute("first_name_km", _("first name (Khmer)"), (TEXT,)),
    PersonAttribute("last_name_km", _("last name (Khmer)"), (TEXT,)),
    PersonAttribute("first_name_en", _("first name (English)"), (TEXT,)),
    PersonAttribute("last_name_en", _("last name (English)"), (TEXT,)),
    PersonAttribute("gender", _("gender"), (CHOICE,), choice_values=("FEMALE", "MALE")),
    PersonAttribute("date_of_birth", _("date of birth"), (DATE,)),
    PersonAttribute("nationality", _("nationality (country code)"), (TEXT, CHOICE)),
    PersonAttribute("identity_number", _("ID or passport number"), (TEXT,)),
    PersonAttribute("phone", _("phone"), (PHONE, TEXT)),
    PersonAttribute("email", _("email"), (EMAIL, TEXT)),
    PersonAttribute("address", _("address"), (GAZETTEER_ADDRESS,)),
)
PERSON_ATTRIBUTE_NAMES: frozenset[str] = frozenset(attribute.name for attribute in PERSON_ATTRIBUTES)
PERSON_SUBJECTS = ("owner", "representative")


def _person(prefix: str, who: Promise | str) -> list[PrefillSource]:
    """The attributes shared by the business owner and the authorised representative."""
    return [
        PrefillSource(
            f"{prefix}.{attribute.name}",
            # format_lazy keeps the label lazy, so it is rendered in the language of each request.
            format_lazy(_("{who}: {attribute}"), who=who, attribute=attribute.label),
            frozenset(attribute.field_types),
            attribute.choice_values,
        )
        for attribute in PERSON_ATTRIBUTES
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


# --- prefill source plugins -----------------------------------------------------------------------------


@dataclass
class PrefillAnswer:
    """What one source found: values by declared key, and the registry records it read (a label for the
    applicant's data-access log, and the business concerned, if any). A source that could not answer says
    why in `notices` (sentences for the applicant) and returns no values: the form is then filled by hand.
    `exchanges`: ids of the remote exchanges it made (CamDX X-Road-Id), for the audit trail."""

    values: dict[str, object] = field(default_factory=dict)
    records_read: list[tuple[str, Business | None]] = field(default_factory=list)
    notices: list[Promise | str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)


class PrefillPlugin(Plugin):
    """A source of prefill values. `answers`: the declared keys it can fetch."""

    answers: frozenset[str] = frozenset()

    def fetch(
        self, keys: Iterable[str], *, user: User, business: Business | None, issue: str = ""
    ) -> PrefillAnswer:
        """Values for those of `keys` it can find for this applicant and business (absent when unknown).
        `issue`: the application the values are for (its reference, or its public id while a draft), which
        a remote source passes on (X-Road-Issue). Never raises for a remote failure: says so in `notices`."""
        raise NotImplementedError

    def check_config(self) -> list[str]:
        undeclared = sorted(self.answers - set(PREFILL_SOURCES))
        return (
            [f"answers keys no form can use (not declared in licensing.prefill): {', '.join(undeclared)}"]
            if undeclared
            else []
        )


prefill_sources: Registry[PrefillPlugin] = Registry("prefill sources")


def active_sources() -> list[PrefillPlugin]:
    """The sources `settings.ESB_PREFILL_SOURCES` switches on, in its order (keys not registered are skipped;
    the system check of the applications app reports them)."""
    return [prefill_sources.get(key) for key in settings.ESB_PREFILL_SOURCES if key in prefill_sources]


def source_for(key: str) -> PrefillPlugin | None:
    """The first active source that answers `key` (the order of ESB_PREFILL_SOURCES decides)."""
    return next((plugin for plugin in active_sources() if key in plugin.answers), None)
