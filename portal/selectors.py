"""Reads for the help pages."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet

from portal.models import FAQ, Feedback, SupportRequest

SEARCH_MAX_LENGTH = 100


def published_faqs(category: str | None = None, limit: int | None = None, search: str = "") -> QuerySet[FAQ]:
    """Published FAQs by order; optionally one category and/or those matching `search` in Khmer or English."""
    queryset = FAQ.objects.filter(is_published=True).order_by("sort_order", "pk")
    if category:
        queryset = queryset.filter(category=category)
    search = " ".join((search or "").split())[:SEARCH_MAX_LENGTH]
    if search:
        queryset = queryset.filter(
            Q(question_km__icontains=search)
            | Q(question_en__icontains=search)
            | Q(answer_km__icontains=search)
            | Q(answer_en__icontains=search)
        )
    if limit is not None:
        queryset = queryset[: max(limit, 0)]
    return queryset


def faqs_by_category(search: str = "") -> list[tuple[str, str, list[FAQ]]]:
    """(category code, label, FAQs) in the order the categories are declared, empty categories left out."""
    grouped: dict[str, list[FAQ]] = {}
    for faq in published_faqs(search=search):
        grouped.setdefault(faq.category, []).append(faq)
    return [(code, label, grouped[code]) for code, label in FAQ.Category.choices if code in grouped]


def feedback_summary() -> dict:
    return Feedback.objects.aggregate(average=Avg("rating"), count=Count("pk"))


def service_concerned(application_reference: str = "", service_code: str = ""):
    """The service (LicenceType) a support request is about: the one of the application whose reference
    the person gave, else the one whose code the page passed along; None when neither names one.

    The person typing a reference cannot see anything through this: it only decides which institution's
    help desk receives the request."""
    from applications.models import Application
    from licensing.models import LicenceType

    reference = (application_reference or "").strip()
    if reference:
        licence_type = (
            Application.objects.filter(reference__iexact=reference[:32])
            .values_list("licence_type", flat=True)
            .first()
        )
        if licence_type is not None:
            return LicenceType.objects.filter(pk=licence_type).first()
    code = (service_code or "").strip()
    if code:
        return LicenceType.objects.filter(code__iexact=code[:40]).first()
    return None


def support_requests_for(user) -> QuerySet[SupportRequest]:
    """The support requests an officer may read and answer: those about the services of their institution
    (and department); requests about no service only for national roles (accounts.selectors)."""
    from accounts.selectors import scope_queryset

    return scope_queryset(
        SupportRequest.objects.all(),
        user,
        institution_path="licence_type__institution",
        department_path="licence_type__department",
    )
