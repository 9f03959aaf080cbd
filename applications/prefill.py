"""Once-only: the values the government already holds, for the fields a form maps to registry attributes.

`licensing.prefill` declares which attributes exist and the registry of prefill sources. `resolve` asks,
for each key a form uses, the source that answers it, and assembles one `Prefill` for the application.
The source registered here, `local-registries`, reads the base registries of this portal: the business the
applicant acts for (by its Single ID record), its owner and authorised representative (by identity), and
the applicant's own CamDigiKey profile. The CamDX business-registry source (prefill_camdx.py) registers the
same way; `settings.ESB_PREFILL_SOURCES` decides which sources answer.

Values come back in the JSON shapes the form builder stores (applications/form_builder.py): dates as ISO
strings, addresses as gazetteer codes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from esb.crypto import lookup_hash
from licensing import prefill as prefill_catalog
from registry.models import Business, BusinessRole, Person
from registry.selectors import people_of_business


@dataclass
class Prefill:
    values: dict[str, Any] = field(default_factory=dict)  # field key -> value
    sources: dict[str, str] = field(default_factory=dict)  # field key -> prefill source key
    # Registry records read, for the applicant's data-access log: (what, business or None)
    records_read: list[tuple[str, Business | None]] = field(default_factory=list)
    # Why a source gave nothing (a remote registry unreachable…): sentences for the applicant
    notices: list[Any] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)  # remote exchange ids (X-Road-Id), for the audit


def address_of(record) -> dict[str, str] | None:
    """A registry address as the gazetteer field stores it (None when the record has no address)."""
    codes = {
        level: (getattr(record, level).code if getattr(record, f"{level}_id") else "")
        for level in ("province", "district", "commune", "village")
    }
    if not codes["province"]:
        return None
    return {
        **codes,
        "house_number": record.house_number or "",
        "street_name": record.street_name or "",
        "group_name": record.group_name or "",
    }


def _person_value(person: Person, attribute: str) -> Any:
    if attribute == "address":
        return address_of(person)
    if attribute == "nationality":
        return person.nationality_id or None
    if attribute == "date_of_birth":
        return person.date_of_birth.isoformat() if person.date_of_birth else None
    return getattr(person, attribute, None) or None


def _business_value(business: Business, attribute: str) -> Any:
    if attribute == "address":
        return address_of(business)
    if attribute == "primary_activity":
        primary = business.business_activities.filter(is_primary=True).select_related("activity").first()
        return primary.activity.code if primary else None
    value = getattr(business, attribute, None)
    if isinstance(value, int):
        return value
    return value or None


def _applicant_value(user, attribute: str) -> Any:
    return {
        "full_name_km": user.full_name_km,
        "full_name_en": user.full_name_en,
        "email": user.email,
        "phone": user.mobile_phone,
    }.get(attribute) or None


class _People:
    """The owner and the representative of a business, read once per application."""

    def __init__(self, business: Business | None, user):
        self.business = business
        self.user = user
        self._roles: list[BusinessRole] | None = None

    def _all(self) -> list[BusinessRole]:
        if self._roles is None:
            self._roles = list(people_of_business(self.business)) if self.business else []
        return self._roles

    def owner(self) -> Person | None:
        return next((r.person for r in self._all() if r.role == BusinessRole.Role.OWNER), None)

    def representative(self) -> Person | None:
        representatives = [r.person for r in self._all() if r.role == BusinessRole.Role.REPRESENTATIVE]
        # The person applying, when they are one of the representatives: they are the one acting.
        digest = lookup_hash(self.user.personal_code) if self.user.personal_code else ""
        for person in representatives:
            if digest and person.identity_number_hash == digest:
                return person
        return representatives[0] if representatives else None


# Stored as written here and translated when shown (privacy/my_data.html), so the log reads in the language
# of whoever looks at it.
_RECORD_LABELS = {
    "business": gettext_noop("business registry record"),
    "owner": gettext_noop("owner's record in the person registry"),
    "representative": gettext_noop("representative's record in the person registry"),
}
_BUSINESS_ATTRIBUTES = frozenset(
    key.split(".", 1)[1] for key in prefill_catalog.PREFILL_SOURCES if key.startswith("business.")
)
_APPLICANT_ATTRIBUTES = ("full_name_km", "full_name_en", "email", "phone")


@prefill_catalog.prefill_sources.register("local-registries")
class LocalRegistries(prefill_catalog.PrefillPlugin):
    """The portal's own base registries (business, person) and the applicant's CamDigiKey profile."""

    verbose_name = _("Base registries of this portal")
    answers = frozenset(
        {f"business.{attribute}" for attribute in _BUSINESS_ATTRIBUTES}
        | {
            f"{subject}.{attribute}"
            for subject in prefill_catalog.PERSON_SUBJECTS
            for attribute in prefill_catalog.PERSON_ATTRIBUTE_NAMES
        }
        | {f"applicant.{attribute}" for attribute in _APPLICANT_ATTRIBUTES}
    )

    def check_config(self) -> list[str]:
        """Also the setting that switches sources on: a key no source is registered under is a typo."""
        problems = super().check_config()
        unknown = [key for key in settings.ESB_PREFILL_SOURCES if key not in prefill_catalog.prefill_sources]
        if unknown:
            known = ", ".join(prefill_catalog.prefill_sources.keys())
            problems.append(
                f"ESB_PREFILL_SOURCES names unknown sources: {', '.join(unknown)} (known: {known})"
            )
        return problems

    def fetch(
        self, keys: Iterable[str], *, user, business: Business | None, issue: str = ""
    ) -> prefill_catalog.PrefillAnswer:
        answer = prefill_catalog.PrefillAnswer()
        people = _People(business, user)
        read: set[str] = set()
        for key in keys:
            subject, attribute = key.split(".", 1)
            value: Any = None
            if subject == "business" and business is not None:
                value = _business_value(business, attribute)
                read.add("business")
            elif subject in prefill_catalog.PERSON_SUBJECTS:
                person = people.owner() if subject == "owner" else people.representative()
                if person is not None:
                    value = _person_value(person, attribute)
                    read.add(subject)
            elif subject == "applicant":
                value = _applicant_value(user, attribute)
            if isinstance(value, datetime.date):
                value = value.isoformat()
            if value is not None and value != "":
                answer.values[key] = value
        answer.records_read = [(_RECORD_LABELS[subject], business) for subject in sorted(read)]
        return answer


def resolve(fields: Iterable, *, user, business: Business | None, issue: str = "") -> Prefill:
    """Values for every field with a prefill source that an active source can answer. `issue`: the
    application they are for (passed on by remote sources). A remote source may call another system: never
    call this inside a database transaction."""
    result = Prefill()
    keys_by_source: dict[str, list[str]] = {}
    fields_by_key: dict[str, list[str]] = {}
    for form_field in fields:
        key = form_field.prefill_source
        source = prefill_catalog.source_for(key) if key else None
        if source is None:
            continue
        if key not in fields_by_key:
            keys_by_source.setdefault(source.key, []).append(key)
        fields_by_key.setdefault(key, []).append(form_field.key)
    for source_key, keys in keys_by_source.items():
        source = prefill_catalog.prefill_sources.get(source_key)
        answer = source.fetch(keys, user=user, business=business, issue=issue)
        for key, value in answer.values.items():
            for field_key in fields_by_key.get(key, ()):
                result.values[field_key] = value
                result.sources[field_key] = key
        result.records_read.extend(answer.records_read)
        result.notices.extend(notice for notice in answer.notices if notice not in result.notices)
        result.exchanges.extend(answer.exchanges)
    return result
