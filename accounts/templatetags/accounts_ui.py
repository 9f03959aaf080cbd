"""The account area of the portal header: who is logged in, and the business they act for."""

from __future__ import annotations

from django import template

from accounts.selectors import acting_business, menu_businesses

register = template.Library()


@register.simple_tag(takes_context=True)
def account_header(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"authenticated": False}
    return {
        "authenticated": True,
        "name": user.display_name,
        "acting_for": acting_business(request),
        # Read once per request, with the acting business; a person acts for a handful of businesses at most.
        "businesses": menu_businesses(request),
    }
