"""Writes to the base registries. Each function is one transaction and appends an audit event.

Invalid data raises `django.core.exceptions.ValidationError` (messages are translated) before anything is
written, so callers (forms, the API, imports) can show it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from esb import audit
from registry.models import (
    Business,
    BusinessActivity,
    BusinessRole,
    Department,
    Institution,
    IsicActivity,
    Person,
    Property,
)


def _create(action: str, instance, **extra_after):
    instance.full_clean()
    instance.save()
    audit.record(action, instance, after={**audit.snapshot(instance), **extra_after})
    return instance


# Encrypted fields snapshot as "***" whether or not they changed, so changes to them are detected here.
_SECRET_FIELDS = ("identity_number", "phone", "date_of_birth")


def _update(action: str, model, pk: int, changes: dict, reason: str = ""):
    instance = model.objects.select_for_update().get(pk=pk)
    unknown = [name for name in changes if name in {"id", "pk"} or not hasattr(instance, name)]
    if unknown:
        raise ValueError(f"unknown field(s) for {model.__name__}: {', '.join(unknown)}")
    before = audit.snapshot(instance)
    secrets = {name: getattr(instance, name) for name in _SECRET_FIELDS if name in changes}
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    b, a = audit.changed_fields(before, audit.snapshot(instance))
    b, a = dict(b or {}), dict(a or {})
    for name, old in secrets.items():
        if getattr(instance, name) != old:
            b[name], a[name] = ("***" if old else ""), "*** (changed)"
    if b or a:
        audit.record(action, instance, before=b, after=a, reason=reason)
    return instance


# --- institutions and departments ----------------------------------------------------------------------


@transaction.atomic
def create_institution(**fields) -> Institution:
    return _create("registry.institution.create", Institution(**fields))


@transaction.atomic
def update_institution(institution: Institution, reason: str = "", **changes) -> Institution:
    return _update("registry.institution.update", Institution, institution.pk, changes, reason)


@transaction.atomic
def create_department(institution: Institution, **fields) -> Department:
    return _create("registry.department.create", Department(institution=institution, **fields))


@transaction.atomic
def update_department(department: Department, reason: str = "", **changes) -> Department:
    return _update("registry.department.update", Department, department.pk, changes, reason)


# --- people -------------------------------------------------------------------------------------------


@transaction.atomic
def create_person(**fields) -> Person:
    """Register a person. `identity_number`, `phone` and `date_of_birth` are encrypted on save."""
    return _create("registry.person.create", Person(**fields))


@transaction.atomic
def update_person(person: Person, reason: str = "", **changes) -> Person:
    return _update("registry.person.update", Person, person.pk, changes, reason)


# --- businesses ---------------------------------------------------------------------------------------


def _activity(value: IsicActivity | str) -> IsicActivity:
    if isinstance(value, IsicActivity):
        return value
    activity = IsicActivity.objects.filter(code=value).first()
    if activity is None:
        raise ValidationError(_("Unknown ISIC activity %(code)s.") % {"code": value})
    return activity


@transaction.atomic
def create_business(
    *,
    activities: Iterable[IsicActivity | str] = (),
    primary_activity: IsicActivity | str | None = None,
    **fields,
) -> Business:
    """Register a business with its ISIC activities; the first activity is primary unless one is named."""
    business = _create("registry.business.create", Business(**fields))
    activities = list(activities)
    if activities or primary_activity:
        set_business_activities(business, activities, primary_activity, _audit=False)
    return business


@transaction.atomic
def update_business(business: Business, reason: str = "", **changes) -> Business:
    return _update("registry.business.update", Business, business.pk, changes, reason)


@transaction.atomic
def set_status(business: Business, status: str, reason: str) -> Business:
    """Suspend, dissolve or reactivate a business; the reason is kept in the audit trail."""
    if status not in Business.Status.values:
        raise ValidationError(_("Unknown business status %(status)s.") % {"status": status})
    return _update("registry.business.status", Business, business.pk, {"status": status}, reason)


@transaction.atomic
def set_business_activities(
    business: Business,
    activities: Iterable[IsicActivity | str],
    primary: IsicActivity | str | None = None,
    *,
    _audit: bool = True,
) -> list[BusinessActivity]:
    """Replace the activities of a business. `primary` defaults to the first activity."""
    chosen: list[IsicActivity] = []
    for value in activities:
        activity = _activity(value)
        if activity not in chosen:
            chosen.append(activity)
    primary_activity = _activity(primary) if primary else (chosen[0] if chosen else None)
    if primary_activity and primary_activity not in chosen:
        chosen.insert(0, primary_activity)
    for activity in chosen:
        if activity.level != IsicActivity.Level.CLASS:
            raise ValidationError(
                _("%(code)s is not an ISIC class (4 digits): choose the precise activity.")
                % {"code": activity.code}
            )
    before = sorted(business.business_activities.values_list("activity__code", flat=True))
    business.business_activities.all().delete()
    rows = BusinessActivity.objects.bulk_create(
        BusinessActivity(business=business, activity=a, is_primary=a == primary_activity) for a in chosen
    )
    after = sorted(a.code for a in chosen)
    if _audit and before != after:
        audit.record(
            "registry.business.activities",
            business,
            before={"activities": before},
            after={"activities": after, "primary": primary_activity.code if primary_activity else None},
        )
    elif not _audit:
        audit.record(
            "registry.business.activities",
            business,
            after={"activities": after, "primary": primary_activity.code if primary_activity else None},
        )
    return rows


@transaction.atomic
def link_person(
    business: Business, person: Person, role: str, since: datetime.date | None = None
) -> BusinessRole:
    """Give a person an active role (owner, representative, director). Linking twice returns the same row."""
    if role not in BusinessRole.Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": role})
    existing = (
        BusinessRole.objects.select_for_update()
        .filter(business=business, person=person, role=role, until__isnull=True)
        .first()
    )
    if existing:
        return existing
    link = BusinessRole(business=business, person=person, role=role, since=since or timezone.localdate())
    link.full_clean()
    link.save()
    audit.record(
        "registry.business_role.add",
        link,
        after={"business": business.pk, "person": person.pk, "role": role, "since": link.since},
    )
    return link


@transaction.atomic
def end_role(link: BusinessRole, until: datetime.date | None = None, reason: str = "") -> BusinessRole:
    """End a person's role on a day (today by default). The row stays as history."""
    link = BusinessRole.objects.select_for_update().get(pk=link.pk)
    if link.until is not None:
        return link
    link.until = until or timezone.localdate()
    link.full_clean()
    link.save(update_fields=["until"])
    audit.record(
        "registry.business_role.end",
        link,
        before={"until": None},
        after={"until": link.until},
        reason=reason,
    )
    return link


# --- property -----------------------------------------------------------------------------------------


@transaction.atomic
def create_property(**fields) -> Property:
    return _create("registry.property.create", Property(**fields))


@transaction.atomic
def update_property(prop: Property, reason: str = "", **changes) -> Property:
    return _update("registry.property.update", Property, prop.pk, changes, reason)


@transaction.atomic
def transfer_property(
    prop: Property, *, owner: Person | None = None, owner_business: Business | None = None, reason: str = ""
) -> Property:
    """Give a property a new owner (exactly one of a person or a business)."""
    return _update(
        "registry.property.transfer",
        Property,
        prop.pk,
        {"owner": owner, "owner_business": owner_business},
        reason,
    )
