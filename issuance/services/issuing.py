"""Approval → PENDING licence: the snapshot of what the licence will say, taken inside the approving
transaction, and the one outbox message that starts the issuance chain (`issuance.services.chain`).

What a licence prints is copied here, once, from the application and the registries (business names, Single
ID, owners, licensed activity, address with gazetteer names in both languages, validity, conditions, the
approving officer's name and title): the business may change later, the licence does not.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OfficerAssignment
from applications.services import ApplicationError
from esb.outbox import services as outbox
from issuance.models import Licence, LicenceChange, LicenceStatus, LicenceTemplate
from licensing.models import LicenceService
from licensing.prefill import GAZETTEER_ADDRESS, ISIC_ACTIVITY
from registry.models import AdministrativeUnit, BusinessRole, IsicActivity

ISSUE_TOPIC = "issuance.issue"
# The licence's dates are Cambodian calendar dates, whatever the server's clock zone.
LOCAL_ZONE = ZoneInfo("Asia/Phnom_Penh")
_ADDRESS_LEVELS = ("village", "commune", "district", "province")  # smallest first, as an address is written


def local_today() -> datetime.date:
    return datetime.datetime.now(LOCAL_ZONE).date()


def valid_until_for(valid_from: datetime.date, months: int | None) -> datetime.date | None:
    """The last day of validity: `months` after `valid_from`, less a day (12 months from 1 March 2026 ends on
    28 February 2027). None: the licence does not expire."""
    if not months:
        return None
    return valid_from + relativedelta(months=months) - datetime.timedelta(days=1)


def issue_dedupe_key(licence: Licence) -> str:
    return f"issuance.issue:{licence.public_id}"


# --- the holder's snapshot -----------------------------------------------------------------------------


def _unit_names(unit: AdministrativeUnit) -> tuple[str, str]:
    """`(Khmer, English)` names with their unit type, as written on documents."""
    km = unit.name_km if unit.name_km.startswith(unit.type_km) else f"{unit.type_km}{unit.name_km}"
    en = f"{unit.name_en or unit.name_en_ncdd or unit.name_km} {unit.type_en}".strip()
    return km, en


def address_lines(address: Mapping[str, Any]) -> dict:
    """A stored address (gazetteer codes and free parts) as one line in Khmer and one in English."""
    codes = {level: str(address.get(level) or "") for level in _ADDRESS_LEVELS}
    units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in=[c for c in codes.values() if c])}
    km: list[str] = []
    en: list[str] = []
    if house := str(address.get("house_number") or "").strip():
        km.append(f"ផ្ទះលេខ {house}")
        en.append(f"No. {house}")
    if street := str(address.get("street_name") or "").strip():
        km.append(f"ផ្លូវ {street}")
        en.append(f"Street {street}")
    if group := str(address.get("group_name") or "").strip():
        km.append(f"ក្រុម {group}")
        en.append(f"Group {group}")
    for level in _ADDRESS_LEVELS:
        unit = units.get(codes[level])
        if unit is not None:
            unit_km, unit_en = _unit_names(unit)
            km.append(unit_km)
            en.append(unit_en)
    return {"km": " ".join(km), "en": ", ".join(en), "codes": codes}


def _business_address(business) -> dict:
    return {
        "province": business.province.code if business.province_id else "",
        "district": business.district.code if business.district_id else "",
        "commune": business.commune.code if business.commune_id else "",
        "village": business.village.code if business.village_id else "",
        "house_number": business.house_number,
        "street_name": business.street_name,
        "group_name": business.group_name,
    }


def _activity(code: str) -> dict | None:
    activity = IsicActivity.objects.select_related("parent__parent__parent").filter(code=code).first()
    if activity is None:
        return None
    # ISIC's Khmer titles stop at division level: the class is named by its nearest titled ancestor.
    title_km, unit = "", activity
    while unit is not None and not title_km:
        title_km, unit = unit.title_km, unit.parent
    return {"code": activity.code, "title_km": title_km or activity.title_en, "title_en": activity.title_en}


def _answer_of_type(application, field_type: str) -> Any:
    keys = application.form_definition.fields.filter(field_type=field_type).order_by("step__order", "order")
    answers = application.answers or {}
    for key in keys.values_list("key", flat=True):
        value = answers.get(key)
        if value not in (None, "", {}, []):
            return value
    return None


def _owners(application, today: datetime.date) -> list[dict]:
    roles = []
    if application.business_id:
        roles = list(
            BusinessRole.objects.select_related("person")
            .filter(business_id=application.business_id, role=BusinessRole.Role.OWNER)
            .filter(Q(until__isnull=True) | Q(until__gte=today))
            .order_by("since", "pk")
        )
    if roles:
        return [{"name_km": r.person.full_name_km, "name_en": r.person.full_name_en} for r in roles]
    applicant = application.applicant
    return [{"name_km": applicant.full_name_km, "name_en": applicant.full_name_en}]


def approver_title(user, institution_id: int | None) -> tuple[str, str]:
    """The approving officer's title as printed: the name of the role they hold at the institution (accounts
    has no separate job title; the role is what the institution gave them to approve with)."""
    if user is None:
        return "", ""
    assignment = (
        OfficerAssignment.objects.select_related("role")
        .filter(user=user, active=True)
        .filter(Q(institution_id=institution_id) | Q(institution__isnull=True))
        .order_by("institution_id", "-role__sort_order")  # the institution's role before a national one
        .first()
    )
    return (assignment.role.name_km, assignment.role.name_en) if assignment else ("", "")


def snapshot(application, *, approved_by=None, today: datetime.date | None = None) -> dict:
    """Everything the licence prints about its holder and its approval (Licence fields)."""
    today = today or local_today()
    licence_type = application.licence_type
    business = application.business
    answers = application.answers or {}
    name_km = (business.name_km if business else "") or str(answers.get("business_name_km") or "")
    name_en = (business.name_en if business else "") or str(answers.get("business_name_en") or "")
    owners = _owners(application, today)
    if not name_km:
        name_km = owners[0]["name_km"] or owners[0]["name_en"]
        name_en = name_en or owners[0]["name_en"]
    address = _answer_of_type(application, GAZETTEER_ADDRESS)
    if not isinstance(address, Mapping):
        address = _business_address(business) if business else {}
    activity = None
    if code := _answer_of_type(application, ISIC_ACTIVITY):
        activity = _activity(str(code))
    if activity is None and business is not None:
        primary = business.business_activities.filter(is_primary=True).values_list("activity__code")
        activity = _activity(primary[0][0]) if primary else None
    institution = licence_type.institution
    title_km, title_en = approver_title(approved_by, institution.pk)
    return {
        "holder_name_km": name_km[:255],
        "holder_name_en": name_en[:255],
        "single_id": (business.single_id if business else "")[:30],
        "approver_name": (
            getattr(approved_by, "full_name_km", "") or getattr(approved_by, "full_name_en", "")
        )[:255],
        "approver_title": title_km[:255],
        "particulars": {
            "owners": owners,
            "address": address_lines(address) if address else {"km": "", "en": "", "codes": {}},
            "activity": activity,
            "institution": {
                "code": institution.code,
                "name_km": institution.name_km,
                "name_en": institution.name_en,
                "abbreviation_en": institution.abbreviation_en,
            },
            "licence_type": {"code": licence_type.code, "name_km": licence_type.name_km},
            "licence_type_en": licence_type.name_en,
            "application_reference": application.reference or "",
            "approver": {
                "name_km": getattr(approved_by, "full_name_km", "") if approved_by else "",
                "name_en": getattr(approved_by, "full_name_en", "") if approved_by else "",
                "title_km": title_km,
                "title_en": title_en,
            },
        },
    }


# --- approval ----------------------------------------------------------------------------------------------


def _change_of(application) -> LicenceChange | None:
    return LicenceChange.objects.select_related("licence").filter(application=application).first()


# The statuses the licence a change is made from must still have when the change is issued (the same rule
# as starting it, lifecycle.may_amend / may_renew): a suspended, revoked or superseded licence is neither
# amended nor renewed, whatever happened to it after the holder started the change.
CHANGE_FROM_STATUSES: dict[str, frozenset[str]] = {
    LicenceService.Kind.AMENDMENT: frozenset({LicenceStatus.VALID}),
    LicenceService.Kind.RENEWAL: frozenset({LicenceStatus.VALID, LicenceStatus.EXPIRED}),
}


def renewal_issued_from(licence: Licence, *, other_than: int | None = None) -> bool:
    """A renewal of `licence` was approved (its new licence exists, issued or being issued): one each."""
    return (
        Licence.objects.filter(
            application__licence_change__licence=licence,
            application__licence_change__kind=LicenceService.Kind.RENEWAL,
        )
        .exclude(pk=other_than)
        .exists()
    )


def change_refusal(
    change: LicenceChange, old: Licence, today: datetime.date, *, new: Licence | None = None
) -> str:
    """Why the change cannot (or can no longer) be issued from `old`, in the reader's language; "" when it
    can. `old` should be locked by the caller; `new` is the change's own licence once it exists (the chain's
    last check before it becomes valid)."""
    new_pk = new.pk if new is not None else None
    amendment = change.kind == LicenceService.Kind.AMENDMENT
    if old.status not in CHANGE_FROM_STATUSES.get(change.kind, ()):
        status = old.get_status_display()
        if amendment:
            return str(
                _(
                    "This amendment cannot be approved: the licence it amends is now “%(status)s”, and only "
                    "a valid licence can be amended. Reject the application instead."
                )
                % {"status": status}
            )
        return str(
            _(
                "This renewal cannot be approved: the licence it renews is now “%(status)s”, and only a "
                "valid or expired licence can be renewed. Reject the application instead."
            )
            % {"status": status}
        )
    if amendment and old.valid_until is not None and old.valid_until < today:
        return str(
            _(
                "This amendment cannot be approved: the licence it amends expired on %(date)s. "
                "Reject the application instead."
            )
            % {"date": old.valid_until.isoformat()}
        )
    if amendment and Licence.objects.filter(supersedes=old).exclude(pk=new_pk).exists():
        return str(
            _(
                "This amendment cannot be approved: another amendment of this licence was approved first. "
                "Reject the application instead."
            )
        )
    if not amendment and renewal_issued_from(old, other_than=new_pk):
        return str(
            _(
                "This renewal cannot be approved: this licence was already renewed. "
                "Reject the application instead."
            )
        )
    return ""


def begin_issuance(application, *, approved_by=None) -> Licence:
    """Inside the approving transaction: the PENDING licence of `application` and ONE outbox message that
    starts its issuance after the commit. Approved twice (a replayed signal), it returns the same licence."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("begin_issuance() runs inside the approving transaction")
    existing = Licence.objects.filter(application=application).first()
    if existing is not None:
        return existing
    today = local_today()
    licence_type = application.licence_type
    template = LicenceTemplate.objects.filter(licence_type=licence_type).first()
    fields = snapshot(application, approved_by=approved_by, today=today)
    valid_from = today
    valid_until = valid_until_for(valid_from, licence_type.validity_months)
    extra: dict[str, Any] = {}
    change = _change_of(application)
    if change is not None:
        # Locked: an officer's revoke or suspend waits for the approval, or the approval sees it.
        locked_old = Licence.objects.select_for_update(of=("self",)).get(pk=change.licence_id)
        refusal = change_refusal(change, locked_old, today)
        if refusal:
            # An ApplicationError rolls the approval back; the review screen shows the officer why.
            raise ApplicationError(refusal, "licence_not_changeable")
        change.licence = locked_old
    if change is not None and change.kind == LicenceService.Kind.AMENDMENT:
        old = change.licence
        # The same licence, corrected: its number and its end date stay; only the new version is valid.
        extra = {"number": old.number, "sequence": old.sequence, "version": old.version + 1}
        extra["supersedes"] = old
        valid_until = old.valid_until
    elif change is not None and change.kind == LicenceService.Kind.RENEWAL:
        old = change.licence
        if old.valid_until and old.valid_until >= today:
            # Renewed before it lapsed: the new licence follows on without overlap or gap.
            valid_from = old.valid_until + datetime.timedelta(days=1)
            valid_until = valid_until_for(valid_from, licence_type.validity_months)
    licence = Licence.objects.create(
        application=application,
        licence_type=licence_type,
        business=application.business,
        issued_year=today.year,
        valid_from=valid_from,
        valid_until=valid_until,
        conditions_km=template.conditions_km if template else "",
        conditions_en=template.conditions_en if template else "",
        approved_by=approved_by,
        **fields,
        **extra,
    )
    outbox.enqueue(ISSUE_TOPIC, {"licence_id": licence.pk}, dedupe_key=issue_dedupe_key(licence))
    return licence


__all__ = [
    "CHANGE_FROM_STATUSES",
    "ISSUE_TOPIC",
    "LOCAL_ZONE",
    "address_lines",
    "approver_title",
    "begin_issuance",
    "change_refusal",
    "issue_dedupe_key",
    "local_today",
    "renewal_issued_from",
    "snapshot",
    "valid_until_for",
]
