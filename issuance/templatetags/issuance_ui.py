"""What other apps' pages show of issued licences: the application's status page (page 7) offers the licence
for download (applications' Python knows nothing of licences; its template loads this tag)."""

from __future__ import annotations

from django import template

from issuance import selectors

register = template.Library()


@register.simple_tag
def licence_of(application) -> dict | None:
    """{"licence", "downloadable"} for the application's licence, or None (the calling page has scoped the
    application to the reader)."""
    licence = selectors.licence_of_application(application)
    if licence is None:
        return None
    return {"licence": licence, "downloadable": selectors.is_downloadable(licence)}
