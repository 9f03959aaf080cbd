"""Reads for the help pages."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet

from portal.models import FAQ, Feedback

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
