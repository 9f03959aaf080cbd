"""Reads of issued licences, scoped to who asks.

- The holder (`licences_of`, `licence_for_holder`): the licences of the applications they may see
  (`applications.selectors.visible_to`: the businesses they act for, and their own without a business); any
  other licence does not exist for them (404).
- An officer (`register`, `licence_for_officer`): the licences of their institutions; a national
  administrator all of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from applications import selectors as application_selectors
from issuance.models import Licence, LicenceEvent, LicenceStatus
from issuance.services.lifecycle import licences_for_officer

# What the holder may download: a document that exists and was once valid.
DOWNLOADABLE = frozenset(
    {LicenceStatus.VALID, LicenceStatus.SUSPENDED, LicenceStatus.EXPIRED, LicenceStatus.SUPERSEDED}
)
# Events the holder sees (the chain's inner steps — numbered, registered, rendered — are the office's).
HOLDER_EVENTS = frozenset(
    {
        LicenceEvent.Kind.ISSUED,
        LicenceEvent.Kind.SUSPENDED,
        LicenceEvent.Kind.REINSTATED,
        LicenceEvent.Kind.REVOKED,
        LicenceEvent.Kind.EXPIRED,
        LicenceEvent.Kind.SUPERSEDED,
        LicenceEvent.Kind.REMINDED,
        LicenceEvent.Kind.RENEWAL_STARTED,
        LicenceEvent.Kind.AMENDMENT_STARTED,
    }
)
EXPIRY_WINDOWS = (30, 60, 90)


def is_downloadable(licence: Licence) -> bool:
    return licence.status in DOWNLOADABLE and bool(licence.pdf)


# --- the holder ---------------------------------------------------------------------------------------------


def licences_of(user, business_ids: Collection[int] | None = None) -> QuerySet[Licence]:
    """Every licence the person may see (`business_ids` as for `applications.selectors.visible_to`)."""
    applications = application_selectors.visible_to(user, business_ids)
    return (
        Licence.objects.filter(application__in=applications.values("pk"))
        .select_related("licence_type__institution", "business")
        .order_by("-created_at", "-pk")
    )


def licence_for_holder(user, public_id, business_ids: Collection[int] | None = None) -> Licence | None:
    return licences_of(user, business_ids).filter(public_id=public_id).first()


def holder_events(licence: Licence) -> list[LicenceEvent]:
    return list(licence.events.filter(kind__in=HOLDER_EVENTS).order_by("at", "pk"))


def licence_of_application(application) -> Licence | None:
    """The licence issued for an application (the caller has scoped the application to the reader)."""
    return Licence.objects.filter(application_id=application.pk).first()


# --- the officers' register ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    q: str = ""
    licence_type: int | None = None
    status: str = ""
    expiry: str = ""  # "30" / "60" / "90": expiring within that many days; "expired": past valid_until


def register(officer, filters: RegisterFilters, today: datetime.date | None = None) -> QuerySet[Licence]:
    """The officer's licences matching the filters, newest first. The search matches the licence number (from
    its start), the Single ID (exactly) or the holder's name in Khmer or English (anywhere in it)."""
    today = today or timezone.localdate()
    qs = licences_for_officer(officer).select_related("licence_type__institution")
    q = filters.q.strip()
    if q:
        qs = qs.filter(
            Q(number__istartswith=q)
            | Q(single_id=q)
            | Q(holder_name_km__icontains=q)
            | Q(holder_name_en__icontains=q)
        )
    if filters.licence_type:
        qs = qs.filter(licence_type_id=filters.licence_type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.expiry == "expired":
        qs = qs.filter(valid_until__lt=today)
    elif filters.expiry.isdigit() and int(filters.expiry) in EXPIRY_WINDOWS:
        qs = qs.filter(
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=int(filters.expiry)),
            status__in=(LicenceStatus.VALID, LicenceStatus.SUSPENDED),
        )
    return qs.order_by("-created_at", "-pk")


def licence_for_officer(officer, public_id) -> Licence | None:
    return (
        licences_for_officer(officer)
        .select_related("licence_type__institution", "application", "business")
        .filter(public_id=public_id)
        .first()
    )


def officer_events(licence: Licence) -> list[LicenceEvent]:
    return list(licence.events.select_related("actor").order_by("at", "pk"))


def licence_types_for_officer(officer) -> list:
    """The licence types of the officer's licences (the register's type filter)."""
    from licensing.models import LicenceType

    ids = licences_for_officer(officer).values("licence_type_id")
    return list(LicenceType.objects.filter(pk__in=ids).order_by("code"))


__all__ = [
    "DOWNLOADABLE",
    "EXPIRY_WINDOWS",
    "HOLDER_EVENTS",
    "RegisterFilters",
    "holder_events",
    "is_downloadable",
    "licence_for_holder",
    "licence_for_officer",
    "licence_of_application",
    "licence_types_for_officer",
    "licences_of",
    "officer_events",
    "register",
]
