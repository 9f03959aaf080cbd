"""What other apps' pages show of payments (the application's status page links its receipts)."""

from __future__ import annotations

from django import template

from payments import selectors

register = template.Library()


@register.simple_tag
def receipts_of(application) -> list:
    """The receipts of an application's payments (the calling page has scoped the application)."""
    return selectors.receipts_of(application)
