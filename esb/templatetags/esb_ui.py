"""Template helpers of the portal shell: inline icons, branding without a request, language switch data.

Load with `{% load esb_ui %}`.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info

from esb.branding import branding_for

register = template.Library()

_ICON_NAME_RE = re.compile(r"^[a-z0-9-]{1,64}$")
_SVG_OPEN_RE = re.compile(r"<svg\b[^>]*>")
# Each language named in itself. Django's own table calls Khmer "Khmer" even in Khmer; a reader looking
# for their language must recognise it in their own script.
NATIVE_LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English"}
_ALERT_CLASSES = {
    "debug": "secondary",
    "info": "info",
    "success": "success",
    "warning": "warning",
    "error": "danger",
}


@lru_cache(maxsize=128)
def _icon_body(name: str) -> str | None:
    """The vendored Bootstrap Icons SVG without its opening tag (we write our own), or None."""
    if not _ICON_NAME_RE.match(name):
        return None
    path = finders.find(f"vendor/bootstrap-icons/icons/{name}.svg")
    if not path:
        return None
    with open(path, encoding="utf-8") as handle:
        svg = handle.read()
    return _SVG_OPEN_RE.sub("", svg, count=1).strip().removesuffix("</svg>").strip()


@register.simple_tag
def icon(name: str, css_class: str = "") -> SafeString:
    """Inline SVG icon from the vendored Bootstrap Icons subset, hidden from assistive technology.

    Icons are decoration: the text beside them carries the meaning. Inline SVG (rather than an icon
    font or `<img>`) takes the text colour through `currentColor` and needs nothing from the CSP.
    An unknown name renders nothing rather than breaking the page.
    """
    body = _icon_body(name)
    if body is None:
        if settings.DEBUG:
            raise template.TemplateSyntaxError(f"Unknown icon {name!r}: vendor it under static/vendor/")
        return mark_safe("")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="bi {}" width="1em" height="1em" fill="currentColor" '
        'viewBox="0 0 16 16" aria-hidden="true" focusable="false">{}</svg>',
        css_class,
        mark_safe(body),  # noqa: S308 (our own vendored file, not user input)
    )


@register.simple_tag
def esb_branding() -> dict[str, str]:
    """Branding in the active language, for templates rendered without a request (500, CSRF failure)."""
    return branding_for(get_language())


def language_choices_list() -> list[dict[str, str | bool]]:
    """Every configured language with its own name ("ខ្មែរ", "English") and whether it is active."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return [
        {
            "code": code,
            "name_local": NATIVE_LANGUAGE_NAMES.get(code) or get_language_info(code)["name_local"],
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


@register.simple_tag
def language_choices() -> list[dict[str, str | bool]]:
    return language_choices_list()


@register.simple_tag
def other_languages() -> list[str]:
    """Codes of the configured languages other than the active one (bilingual error pages)."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return [code for code, _name in settings.LANGUAGES if code != current]


@register.filter
def alert_class(level_tag: str) -> str:
    """Bootstrap alert variant for a `django.contrib.messages` level tag."""
    return _ALERT_CLASSES.get(level_tag, "info")


@register.filter
def alert_role(level_tag: str) -> str:
    """Errors and warnings interrupt a screen reader (`alert`); the rest wait their turn (`status`)."""
    return "alert" if level_tag in {"error", "warning"} else "status"


# --- dates -------------------------------------------------------------------------------------------------
# Every template shows a date through these filters (tests/i18n/test_dates.py checks that no template uses
# `|date` itself), so a page, an e-mail and the back-office write the same moment the same way.


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def esb_date(value) -> str:
    """A date (or the day of a datetime, in Phnom Penh time) as "4 Dec 2026" / "4 ធ្នូ 2026"."""
    if not isinstance(value, datetime.date):
        return ""
    return formats.date_format(_local(value), "DATE_FORMAT")


@register.filter
def esb_datetime(value) -> str:
    """A moment as "4 Dec 2026, 18:20" / "4 ធ្នូ 2026, 18:20" (Phnom Penh time)."""
    if not isinstance(value, datetime.datetime):
        return esb_date(value)
    return formats.date_format(_local(value), "DATETIME_FORMAT")


@register.filter
def iso_datetime(value) -> str:
    """The machine-readable form for `<time datetime="…">`."""
    if not isinstance(value, datetime.date):
        return ""
    return _local(value).isoformat()


# --- page titles -------------------------------------------------------------------------------------------
# One separator between the parts of every page title ("Services – Business Licensing Portal"). Pages put
# only their own parts in `{% block title %}`, separated by `{% title_sep %}`; base.html adds the portal.
TITLE_SEPARATOR = " – "


@register.simple_tag
def title_sep() -> str:
    return TITLE_SEPARATOR


@register.filter
def page_title(parts: str, portal_name: str) -> SafeString:
    """The page's own title parts (already rendered, so escaped) followed by the portal's name; the portal's
    name alone when the page gives none (and not twice when a page still writes it itself)."""
    text = " ".join(conditional_escape(parts).split())
    portal = str(conditional_escape(portal_name or ""))
    if not text or text == portal:
        return mark_safe(portal)  # noqa: S308 - both parts are escaped above
    if portal and text.endswith(portal):
        return mark_safe(text)  # noqa: S308
    return mark_safe(f"{text}{TITLE_SEPARATOR}{portal}" if portal else text)  # noqa: S308
