"""Reads about consents and data access, always scoped to the person asking."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from privacy.models import Consent, ConsentPurpose, ConsentText, DataAccess


def _is_person(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None)


def current_text(purpose: str) -> ConsentText | None:
    """The published text of a purpose (None when none is published)."""
    return ConsentText.objects.filter(purpose=purpose, status=ConsentText.Status.PUBLISHED).first()


def has_consent(user, purpose: str = ConsentPurpose.CAMDX_CLUSTER) -> bool:
    """Whether the person has an active consent to the *current* published version of the purpose: a new
    version of the text needs consenting again."""
    if not _is_person(user):
        return False
    return Consent.objects.filter(
        user_id=user.pk,
        purpose=purpose,
        withdrawn_at__isnull=True,
        text__purpose=purpose,
        text__status=ConsentText.Status.PUBLISHED,
    ).exists()


def active_consent(user, purpose: str) -> Consent | None:
    """The person's active consent to the current version of the purpose, if any."""
    if not _is_person(user):
        return None
    return (
        Consent.objects.filter(
            user_id=user.pk,
            purpose=purpose,
            withdrawn_at__isnull=True,
            text__status=ConsentText.Status.PUBLISHED,
        )
        .select_related("text")
        .first()
    )


def consents_of(user) -> QuerySet[Consent]:
    """Every consent the person gave, newest first, with its text."""
    if not _is_person(user):
        return Consent.objects.none()
    return Consent.objects.filter(user_id=user.pk).select_related("text").order_by("-given_at", "-id")


def access_log_for(user, business_ids: Iterable[int] = ()) -> QuerySet[DataAccess]:
    """Accesses to the person's data or to the data of the businesses they act for, newest first.

    The caller passes the ids from `accounts.selectors.businesses_of(user)`; this module does not decide
    who acts for which business."""
    if not _is_person(user):
        return DataAccess.objects.none()
    ids = [int(i) for i in business_ids]
    condition = Q(subject_user_id=user.pk)
    if ids:
        condition |= Q(subject_business_id__in=ids)
    return DataAccess.objects.filter(condition).select_related("subject_business").order_by("-at", "-id")
