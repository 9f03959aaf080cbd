"""Once-only: the values the government already holds, for the fields a form maps to registry attributes.

`licensing.prefill` declares which attributes exist; this module fetches them for one application: the
business the applicant acts for (by its Single ID record), its owner and authorised representative (by
identity), and the applicant's own CamDigiKey profile. Values come back in the JSON shapes the form builder
stores (applications/form_builder.py): dates as ISO strings, addresses as gazetteer codes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop

from esb.crypto import lookup_hash
from registry.models import Business, BusinessRole, Person
from registry.selectors import people_of_business

_PERSON_ATTRIBUTES = {
    "first_name_km",
    "last_name_km",
    "first_name_en",
    "last_name_en",
    "gender",
    "date_of_birth",
    "nationality",
    "identity_number",
    "phone",
    "email",
    "address",
}


@dataclass
class Prefill:
    values: dict[str, Any] = field(default_factory=dict)  # field key -> value
    sources: dict[str, str] = field(default_factory=dict)  # field key -> prefill source key
    # Registry records read, for the applicant's data-access log: (what, business or None)
    records_read: list[tuple[str, Business | None]] = field(default_factory=list)


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


def resolve(fields: Iterable, *, user, business: Business | None) -> Prefill:
    """Values for every field with a prefill source that the registries (or the profile) can answer."""
    result = Prefill()
    people = _People(business, user)
    read: set[str] = set()
    for form_field in fields:
        source = form_field.prefill_source
        if not source or "." not in source:
            continue
        subject, attribute = source.split(".", 1)
        value: Any = None
        if subject == "business" and business is not None:
            value = _business_value(business, attribute)
            read.add("business")
        elif subject in ("owner", "representative") and attribute in _PERSON_ATTRIBUTES:
            person = people.owner() if subject == "owner" else people.representative()
            if person is not None:
                value = _person_value(person, attribute)
                read.add(subject)
        elif subject == "applicant":
            value = _applicant_value(user, attribute)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        if value is not None and value != "":
            result.values[form_field.key] = value
            result.sources[form_field.key] = source
    # Stored as written here and translated when shown (privacy/my_data.html), so the log reads in the
    # language of whoever looks at it.
    labels = {
        "business": gettext_noop("business registry record"),
        "owner": gettext_noop("owner's record in the person registry"),
        "representative": gettext_noop("representative's record in the person registry"),
    }
    result.records_read = [(labels[subject], business) for subject in sorted(read)]
    return result
