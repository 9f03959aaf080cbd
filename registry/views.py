"""Public lookups for address and activity pickers: HTML fragments of <option> elements for htmx.

Both answer GET only, never fail on junk (an unknown or malformed parent, an over-long query: an empty
list), and are cacheable: reference data changes a few times a year. A `lang` parameter (km or en) makes the
language part of the URL, so a shared cache never serves one language's names to the other.

The pickers send their own input's value under its form name (htmx cannot rename it): `parent_from` / `q_from`
name the parameter that carries the parent code or the query.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from esb.access import public
from registry.models import AdministrativeUnit
from registry.selectors import search_isic, units_under

UNITS_MAX_AGE = 24 * 60 * 60
ISIC_MAX_AGE = 60 * 60
ISIC_LIMIT = 20
MAX_QUERY = 100
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_CODE = re.compile(r"^\d{2,8}$")
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_ELEMENT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,100}$")


def _param(request: HttpRequest, direct: str, indirect: str) -> str:
    """The value of `direct`, or of the parameter whose name `indirect` gives."""
    value = request.GET.get(direct)
    if value is None:
        name = request.GET.get(indirect, "")
        value = request.GET.get(name, "") if _PARAM_NAME.match(name) else ""
    return value.replace("\x00", "")


def _language(request: HttpRequest) -> str | None:
    code = request.GET.get("lang", "")
    return code if code in dict(settings.LANGUAGES) else None


def _fragment(request: HttpRequest, template: str, context: dict, max_age: int) -> HttpResponse:
    language = _language(request)
    with translation.override(language or translation.get_language()):
        response = render(request, template, context)
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@public
@require_safe
def units(request: HttpRequest) -> HttpResponse:
    """`<option>`s of the units under `parent` (its children, or its descendants at `level`); with no
    parent, the provinces. `clear` lists ids of lower selects to empty (out-of-band swaps)."""
    parent = _param(request, "parent", "parent_from").strip().translate(KHMER_DIGITS)
    level = request.GET.get("level") or None
    if level not in (None, *AdministrativeUnit.Level.values) or (parent and not _CODE.match(parent)):
        found = []
    elif not parent and level not in (None, AdministrativeUnit.Level.PROVINCE):
        found = []  # a district list with no province chosen
    else:
        found = list(units_under(parent or None, level))
    clear = [i for i in request.GET.get("clear", "").split(",") if _ELEMENT_ID.match(i)][:3]
    return _fragment(request, "registry/unit_options.html", {"units": found, "clear": clear}, UNITS_MAX_AGE)


@public
@require_safe
def isic(request: HttpRequest) -> HttpResponse:
    """`<option value="4711">4711 — title</option>` for the ISIC classes matching `q` (at most 20)."""
    query = _param(request, "q", "q_from").translate(KHMER_DIGITS).strip()
    found = []
    if query and len(query) <= MAX_QUERY:
        # "4711 — Retail sale…" (what the input shows for a chosen activity) searches for its code.
        code = re.match(r"^(\d{1,4})(?:\s|$|\s*[—–-])", query)
        found = search_isic(code.group(1) if code else query, limit=ISIC_LIMIT)
    return _fragment(request, "registry/isic_options.html", {"activities": found}, ISIC_MAX_AGE)
