"""Names of what a report shows, in Khmer and in English (the bilingual PDF prints both; the page, the CSV and
the XLSX the one of the reader's language). Catalog rows carry both names; our own words come from gettext."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from applications.models import Closure, Status
from licensing.models import LicenceService, LicenceType
from payments.models import Method
from registry.models import AdministrativeUnit, Department, Institution, IsicActivity
from reports.conditions import GroupBy

Label = tuple[str, str]  # (Khmer, English)

NOT_RECORDED = gettext_lazy("Not recorded")
YES, NO = gettext_lazy("Yes"), gettext_lazy("No")

_KHMER_MONTHS = ("មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ")


def both(text) -> Label:
    """A translatable text (a lazy string or a msgid) in Khmer and in English."""
    with translation.override("km"):
        km = str(gettext(text) if isinstance(text, str) else text)
    with translation.override("en"):
        en = str(gettext(text) if isinstance(text, str) else text)
    return km, en


@functools.cache
def yes_no(value: bool) -> Label:
    return both(YES if value else NO)


def pick(label: Label, language: str) -> str:
    km, en = label
    return (km or en) if language == "km" else (en or km)


def _names(model, keys, km: str = "name_km", en: str = "name_en") -> dict[Any, Label]:
    rows = model.objects.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", km, en)
    return {pk: (name_km, name_en) for pk, name_km, name_en in rows}


def officer_names(ids) -> dict[int, Label]:
    rows = User.objects.filter(pk__in=[i for i in ids if i is not None]).values_list(
        "pk", "full_name_km", "full_name_en", "username"
    )
    return {pk: (km or en or login, en or km or login) for pk, km, en, login in rows}


def month_label(value: datetime.datetime | datetime.date) -> Label:
    return f"{_KHMER_MONTHS[value.month - 1]} {value.year}", value.strftime("%B %Y")


@functools.cache
def status_label(status: str, closure: str = "") -> Label:
    """Cached: a list calls it for every row (the catalogs do not change while the process runs)."""
    if closure == Closure.WITHDRAWN:
        return both(Closure.WITHDRAWN.label)
    return both(Status(status).label)


def label_rows(group_by: str, rows: list) -> None:
    """Set `label` on each summary row from its key."""
    keys = [row.key for row in rows]
    none = both(NOT_RECORDED)
    names: dict[Any, Label] = {}
    if group_by == GroupBy.SERVICE:
        names = {
            pk: (f"{code} {km}", f"{code} {en}")
            for pk, code, km, en in LicenceType.objects.filter(pk__in=keys).values_list(
                "pk", "code", "name_km", "name_en"
            )
        }
    elif group_by == GroupBy.INSTITUTION:
        names = _names(Institution, keys)
    elif group_by == GroupBy.DEPARTMENT:
        names = _names(Department, keys)
    elif group_by == GroupBy.PROVINCE:
        names = _names(AdministrativeUnit, keys)
    elif group_by == GroupBy.OFFICER:
        names = officer_names(keys)
    elif group_by == GroupBy.SECTOR:
        names = {
            code: (f"{code} {km or en}", f"{code} {en}")
            for code, km, en in IsicActivity.objects.filter(code__in=[k for k in keys if k]).values_list(
                "code", "title_km", "title_en"
            )
        }
    for row in rows:
        if row.key is None:
            row.label = none
        elif group_by == GroupBy.STATUS:
            row.label = both(Status(row.key).label)
        elif group_by == GroupBy.MONTH:
            row.label = month_label(row.key)
        elif group_by == GroupBy.PAYMENT_METHOD:
            row.label = both(Method(row.key).label)
        elif group_by == GroupBy.REQUEST_KIND:
            row.label = both(LicenceService.Kind(row.key).label)
        else:
            row.label = names.get(row.key, (str(row.key), str(row.key)))
