"""Once-only prefill from the business registry (Online Business Registration) through CamDX.

The prefill source `camdx-business-registry` asks the registry's `business_info` service
(`CAMDX["SERVICES"]["business_info"]`, e.g. CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info) for the
company with the business's Single ID, and maps its answer (shape: sandbox/obr/registry.py) to the
same keys as the local registries: business.*, owner.*, representative.*. It answers only when
`ESB_PREFILL_SOURCES` lists it (the local registries stay the default); put it first to prefer the
registry's live record, with `local-registries` after it for the applicant's own profile.

The call carries X-Road-UserId (`KH` + the CamDigiKey id of the person acting: the applicant, or the officer
whose review screen compares the registry with the answers) and X-Road-Issue (the application);
its X-Road-Id goes to the audit trail. When the registry cannot answer (unreachable, an X-Road fault, its
circuit open, no record of the business, an answer we cannot read) the form is simply not prefilled and
the applicant is told why: never an error page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from camdx_client.client import acting_user_id, get_client
from camdx_client.errors import CamdxError, ProviderResponseError, UnknownService
from esb.crypto import lookup_hash
from licensing import prefill as prefill_catalog
from registry.models import Business

logger = logging.getLogger(__name__)

KEY = "camdx-business-registry"
SERVICE = "business_info"
_ADDRESS_PARTS = ("province", "district", "commune", "village", "house_number", "street_name", "group_name")
_PERSON_FIELDS = {  # our attribute -> the registry's field
    "first_name_km": "first_name_kh",
    "last_name_km": "last_name_kh",
    "first_name_en": "first_name_en",
    "last_name_en": "last_name_en",
    "gender": "gender",
    "date_of_birth": "date_of_birth",
    "nationality": "nationality",
    "identity_number": "identity_number",
    "phone": "phone",
    "email": "email",
}
_BUSINESS_TEXT = {  # our attribute -> the registry's field
    "single_id": "single_id",
    "name_km": "name_kh",
    "name_en": "name_en",
    "email": "email",
    "phone": "phone",
}
_EMPLOYEES = {
    "total_employees": "total",
    "female_employees": "female",
    "foreign_employees": "foreign",
    "foreign_female_employees": "foreign_female",
}
_RECORD_LABELS = {
    "business": gettext_noop("business registry record (through CamDX)"),
    "owner": gettext_noop("owner's record in the business registry (through CamDX)"),
    "representative": gettext_noop("representative's record in the business registry (through CamDX)"),
}
UNAVAILABLE = _(
    "The business registry could not be reached just now, so this form is not prefilled. "
    "Please fill in the details yourself."
)
NOT_FOUND = _(
    "The business registry has no record of this business, so this form is not prefilled. "
    "Please fill in the details yourself."
)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _address(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or not _text(value.get("province")):
        return None
    parts = {part: value.get(part) or "" for part in _ADDRESS_PARTS}
    return parts if all(isinstance(v, str) for v in parts.values()) else None


def _business_value(record: dict, attribute: str) -> Any:
    if attribute == "address":
        return _address(record.get("address"))
    if attribute == "primary_activity":
        activities = record.get("activities") if isinstance(record.get("activities"), list) else []
        primary = next((a for a in activities if isinstance(a, dict) and a.get("primary")), None)
        return _text(primary.get("isic_code")) if primary else None
    if attribute in _EMPLOYEES:
        employees = record.get("employees") if isinstance(record.get("employees"), dict) else {}
        number = employees.get(_EMPLOYEES[attribute])
        return number if isinstance(number, int) and not isinstance(number, bool) and number >= 0 else None
    field_name = _BUSINESS_TEXT.get(attribute)
    return _text(record.get(field_name)) if field_name else None


def _person_value(person: dict, attribute: str) -> Any:
    if attribute == "address":
        return _address(person.get("address"))
    field_name = _PERSON_FIELDS.get(attribute)
    return _text(person.get(field_name)) if field_name else None


def _people(record: dict, column: str) -> list[dict]:
    people = record.get(column)
    return [p for p in people if isinstance(p, dict)] if isinstance(people, list) else []


def _representative(record: dict, user) -> dict | None:
    """The person applying when they are one of the representatives (the one acting), else the first."""
    representatives = _people(record, "representatives")
    code = getattr(user, "personal_code", "") or ""
    if code:
        digest = lookup_hash(code)
        for person in representatives:
            number = _text(person.get("identity_number"))
            if number and lookup_hash(number) == digest:
                return person
    return representatives[0] if representatives else None


@prefill_catalog.prefill_sources.register(KEY)
class CamdxBusinessRegistry(prefill_catalog.PrefillPlugin):
    """The business registry's live record, asked through CamDX."""

    verbose_name = _("Business registry through CamDX")
    answers = frozenset(
        {key for key in prefill_catalog.PREFILL_SOURCES if key.startswith("business.")}
        | {
            f"{subject}.{attribute}"
            for subject in prefill_catalog.PERSON_SUBJECTS
            for attribute in prefill_catalog.PERSON_ATTRIBUTE_NAMES
        }
    )

    def check_config(self) -> list[str]:
        problems = super().check_config()
        if KEY in settings.ESB_PREFILL_SOURCES and SERVICE not in settings.CAMDX["SERVICES"]:
            problems.append(f"ESB_PREFILL_SOURCES lists {KEY} but CAMDX_SERVICES has no {SERVICE!r} service")
        return problems

    def fetch(
        self, keys: Iterable[str], *, user, business: Business | None, issue: str = ""
    ) -> prefill_catalog.PrefillAnswer:
        answer = prefill_catalog.PrefillAnswer()
        keys = list(keys)
        if business is None or not business.single_id or not keys:
            return answer  # the applicant acts for no registered business: nothing to ask
        try:
            response = get_client().call(
                SERVICE, business.single_id, user_id=acting_user_id(user), issue=issue
            )
            record = response.json()
        except ProviderResponseError as exc:
            answer.notices.append(NOT_FOUND if exc.status == 404 else UNAVAILABLE)
            logger.warning("business registry prefill: the provider answered HTTP %s", exc.status)
            return answer
        except UnknownService:
            answer.notices.append(UNAVAILABLE)
            logger.error("business registry prefill: CAMDX_SERVICES has no %r service", SERVICE)
            return answer
        except (CamdxError, ValueError) as exc:
            answer.notices.append(UNAVAILABLE)
            logger.warning("business registry prefill failed: %s", type(exc).__name__)
            return answer
        answer.exchanges.append(response.message_id)
        if not isinstance(record, dict) or record.get("single_id") != business.single_id:
            answer.notices.append(UNAVAILABLE)
            logger.warning("business registry prefill: the answer is not the record of the business asked")
            return answer
        read = self._map(record, keys, user, answer)
        answer.records_read = [(_RECORD_LABELS[subject], business) for subject in sorted(read)]
        return answer

    @staticmethod
    def _map(record: dict, keys: list[str], user, answer: prefill_catalog.PrefillAnswer) -> set[str]:
        """Fill `answer.values` from the record; which records (business, owner, representative) were read."""
        owners = _people(record, "owners")
        people = {"owner": owners[0] if owners else None, "representative": _representative(record, user)}
        read = {"business"}
        for key in keys:
            subject, attribute = key.split(".", 1)
            if subject == "business":
                value = _business_value(record, attribute)
            elif subject in people and people[subject] is not None:
                value = _person_value(people[subject], attribute)
                read.add(subject)
            else:
                value = None
            if value is not None and value != "":
                answer.values[key] = value
        return read
