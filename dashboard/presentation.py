"""What the dashboard page shows, made from dashboard.selectors.Dashboard: labelled table rows in the user's
language and the bar charts drawn beside them (dashboard.charts)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dashboard.charts import bar_chart
from dashboard.models import Measure, Stage
from dashboard.selectors import LATE, PANEL, Dashboard
from licensing.models import WorkflowStep
from payments.models import Method


def _number(value) -> str:
    return f"{value:,}"


def _amount(value, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _service(figures: Dashboard, licence_type_id: int) -> str:
    found = figures.services.get(licence_type_id)
    return found.name if found else str(licence_type_id)


def _step_names(figures: Dashboard) -> dict[tuple[int, str], str]:
    keys = {(row.licence_type_id, row.step) for row in figures.durations if row.step}
    names: dict[tuple[int, str], str] = {}
    rows = (
        WorkflowStep.objects.filter(
            definition__licence_type_id__in={lt for lt, _k in keys}, key__in={k for _lt, k in keys}
        )
        .select_related("definition")
        .order_by("definition__version")
    )
    for step in rows:  # the newest version's name wins
        names[(step.definition.licence_type_id, step.key)] = step.name
    return names


def page(figures: Dashboard) -> dict:
    panel = [
        {
            "key": key,
            "label": _("Finished late") if key == LATE else Measure(key).label,
            "today": figures.today[key],
            "period": figures.period[key],
        }
        for key in [*[m.value for m in PANEL], LATE]
    ]
    # Overdue is a state, not an event: counted now (on the page's today), the same for any period.
    panel.append(
        {"key": "OVERDUE_NOW", "label": _("Overdue now"), "today": figures.overdue_now, "period": None}
    )
    months = [(date_format(month, "YEAR_MONTH_FORMAT"), n) for month, n in figures.by_month]
    services = [
        {
            "name": _service(figures, lt),
            "received": counts.get(Measure.RECEIVED, 0),
            "approved": counts.get(Measure.APPROVED, 0),
            "rejected": counts.get(Measure.REJECTED, 0),
            "withdrawn": counts.get(Measure.WITHDRAWN, 0),
        }
        for lt, counts in figures.by_service
    ]
    fees_service = [
        {"name": _service(figures, lt), "count": n, "amount": _amount(amount, currency)}
        for lt, currency, n, amount in figures.fees_by_service
    ]
    fees_method = [
        {
            "name": Method(method).label if method in Method.values else method,
            "count": n,
            "amount": _amount(amount, currency),
            "value": float(amount),
            "currency": currency,
        }
        for method, currency, n, amount in figures.fees_by_method
    ]
    steps = _step_names(figures)
    durations = [
        {
            "service": _service(figures, row.licence_type_id),
            "step": steps.get((row.licence_type_id, row.step), row.step)
            if row.step
            else _("Whole application"),
            "count": row.count,
            "median": row.median,
            "p90": row.p90,
            "breached": row.breached,
            "capped": row.capped,
        }
        for row in figures.durations
    ]
    started = figures.funnel[0][1] if figures.funnel else 0
    funnel = [
        {"label": Stage(stage).label, "count": n, "share": round(100 * n / started) if started else 0}
        for stage, n in figures.funnel
    ]
    provinces = [
        {"name": figures.provinces[p].name if p in figures.provinces else _("Not known"), "count": n}
        for p, n in figures.by_province
    ]
    return {
        "panel": panel,
        "months": months,
        "years": figures.by_year,
        "services": services,
        "fees_service": fees_service,
        "fees_method": fees_method,
        "durations": durations,
        "funnel": funnel,
        "provinces": provinces,
        "month_chart": bar_chart([(label, n, _number(n)) for label, n in months]),
        "service_chart": bar_chart(
            [(row["name"], row["received"], _number(row["received"])) for row in services]
        ),
        "fee_chart": bar_chart(
            [
                (f"{row['name']} ({row['currency']})", row["count"], _number(row["count"]))
                for row in fees_method
            ]
        ),
        "duration_chart": bar_chart(
            [
                (
                    f"{row['service']} — {row['step']}",
                    row["p90"] or 0,
                    str(row["p90"] if row["p90"] is not None else "—"),
                )
                for row in durations
            ]
        ),
        "funnel_chart": bar_chart([(row["label"], row["count"], _number(row["count"])) for row in funnel]),
        "province_chart": bar_chart(
            [(row["name"], row["count"], _number(row["count"])) for row in provinces]
        ),
    }
