"""The two report shapes as tables (headers and rows of cells) shared by the page and every export format:
the summary by one dimension with its totals row, and the list of applications."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from payments.models import Currency
from reports import selectors
from reports.conditions import GroupBy
from reports.labels import Label, both, officer_names, status_label
from reports.models import Shape

Row = list[Any]


def summary_headers(group_by: str) -> list[Label]:
    dimension = both(GroupBy(group_by).label)
    fees = {
        Currency.KHR: both(_("Fees collected (KHR)")),
        Currency.USD: both(_("Fees collected (USD)")),
    }
    return [
        dimension,
        both(_("Applications")),
        both(_("Decided")),
        both(_("Median processing time (working days)")),
        *[fees[c] for c in Currency.values],
    ]


def summary_row(row: selectors.SummaryRow) -> Row:
    return [row.label, row.count, row.decided, row.median_days, *[row.fees[c] for c in Currency.values]]


def summary_total(summary: selectors.Summary) -> Row:
    row = summary_row(summary.total)
    row[0] = both(pgettext_lazy("report", "Total"))
    return row


def _stored(cell: Any) -> Any:
    if isinstance(cell, tuple):
        return list(cell)
    return str(cell) if isinstance(cell, Decimal) else cell


def _restored(cell: Any) -> Any:
    return tuple(cell) if isinstance(cell, list) else cell


def stored_summary(summary: selectors.Summary) -> dict[str, Any]:
    """The summary's table as JSON (a TABLE run keeps it): labels in both languages, amounts as text."""
    return {
        "headers": [list(h) for h in summary_headers(summary.group_by)],
        "rows": [[_stored(c) for c in summary_row(r)] for r in summary.rows],
        "total": [_stored(c) for c in summary_total(summary)],
    }


def restored_summary(result: dict[str, Any]) -> tuple[list[Label], list[Row], Row]:
    """(headers, rows, totals row) of a stored summary, labels back as (Khmer, English) tuples."""
    return (
        [_restored(h) for h in result["headers"]],
        [[_restored(c) for c in row] for row in result["rows"]],
        [_restored(c) for c in result["total"]],
    )


LIST_HEADERS: list[Any] = [
    _("Reference number"),
    _("Service"),
    _("Business"),
    _("Single ID"),
    _("Status"),
    _("Submitted"),
    _("Decided"),
    _("Last modified"),
    _("Fee"),
    _("Currency"),
    _("Officer"),
    _("Overdue"),
]


def list_headers() -> list[Label]:
    return [both(h) for h in LIST_HEADERS]


def list_rows(chunks: Iterable[list[dict[str, Any]]]) -> Iterator[Row]:
    """Cells of each list row, the officers' names read once per chunk."""
    for chunk in chunks:
        names = officer_names({row["officer_id"] for row in chunk})
        for row in chunk:
            yield list_row(row, names)


def list_row(row: dict[str, Any], names: dict[int, Label]) -> Row:
    business_km, business_en = row["business__name_km"] or "", row["business__name_en"] or ""
    return [
        row["reference"] or "",
        (row["licence_type__name_km"], row["licence_type__name_en"]),
        (business_km or business_en, business_en or business_km),
        row["business__single_id"] or "",
        status_label(row["status"], row["closure"]),
        row["submitted_at"],
        row["decided_at"],
        row["updated_at"],
        row["fee_amount"],
        row["fee_currency"],
        names.get(row["officer_id"], ("", "")),
        bool(row["is_overdue"]),
    ]


def title(conditions: dict[str, Any]) -> Label:
    if conditions.get("shape") == Shape.LIST:
        return both(_("Report: list of applications"))
    return both(_("Report: summary of applications"))


def described(conditions: dict[str, Any], user) -> list[tuple[Label, Label | str]]:
    """The conditions in words, in Khmer and English, for the head of an export (what the figures are of):
    each field's label and the label of the value chosen, as the builder's form offers them."""
    from django.utils import translation

    from reports.conditions import FIELDS, ReportForm

    words: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
    for language in ("km", "en"):
        with translation.override(language):
            form = ReportForm(user=user)
            words[language] = {
                name: (str(field.label), {str(k): str(v) for k, v in getattr(field, "choices", [])})
                for name, field in form.fields.items()
            }
    out: list[tuple[Label, Label | str]] = []
    for name in FIELDS:
        if name == "shape" or conditions.get(name) in (None, ""):
            continue
        value = str(conditions[name])
        km_label, km_choices = words["km"][name]
        en_label, en_choices = words["en"][name]
        out.append(((km_label, en_label), (km_choices.get(value, value), en_choices.get(value, value))))
    return out


def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()
