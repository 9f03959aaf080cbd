"""Help widgets for other pages (the dashboard). Load with `{% load portal_ui %}`."""

from __future__ import annotations

from django import template

from portal import selectors

register = template.Library()


@register.inclusion_tag("portal/includes/faq_list.html")
def faq_list(limit: int = 5) -> dict:
    """The first `limit` published FAQs as expandable items, with a link to all of them."""
    try:
        limit = max(1, min(int(limit), 50))
    except (TypeError, ValueError):
        limit = 5
    return {"faqs": list(selectors.published_faqs(limit=limit))}
