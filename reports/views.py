"""The report builder (back-office page 3), inside the admin shell: conditions form, the table on the page
(paginated), saved definitions, exports and their progress, and the download of a kept file.

Every view needs `reports.run_report` (403 otherwise); a list needs `reports.export_personal_data` too.
Definitions and runs are read through the officer's own (`selectors.*_of`): another officer's id is a 404.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from esb.access import officer_required
from esb.templatetags.esb_ui import esb_date
from esb.throttle import refuse_if_over, throttle
from esb.uploads import stored_file_response
from reports import selectors, services, tables
from reports.conditions import ReportForm, form_data
from reports.labels import pick
from reports.models import Format, RunState, Shape

PAGE_SIZE = 25
# Always shown; the other conditions sit under "More conditions", open when one of them is set or wrong.
MAIN_FIELDS = ("shape", "group_by", "date_field", "date_from", "date_to")
CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.PDF: "application/pdf",
}


def _may(request: HttpRequest) -> None:
    if not request.user.has_perm(services.RUN_PERMISSION):
        raise PermissionDenied


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)


def _default_period() -> dict[str, str]:
    today = timezone.localdate()
    return {"date_from": today.replace(month=1, day=1).isoformat(), "date_to": today.isoformat()}


def _checked(form: ReportForm, user) -> bool:
    """The form is valid, and a list is asked only by who may list personal data (else a form error)."""
    if not form.is_valid():
        return False
    if form.cleaned_data["shape"] == Shape.LIST and not user.has_perm(services.PERSONAL_DATA_PERMISSION):
        form.add_error("shape", _("You may see summaries only: a list of applications holds personal data."))
        return False
    return True


@officer_required
@require_safe
def builder(request: HttpRequest) -> HttpResponse:
    _may(request)
    user = request.user
    asked = bool(request.GET.get("date_from") or request.GET.get("date_to"))
    form = ReportForm(request.GET if asked else None, user=user, initial=_default_period())
    context: dict = {
        "title": _("Reports"),
        "form": form,
        "definitions": selectors.definitions_of(user),
        "runs": selectors.runs_of(user)[:10],
        "formats": [(value, label) for value, label in Format.choices if value != Format.TABLE],
        "may_list": user.has_perm(services.PERSONAL_DATA_PERMISSION),
        "language": get_language(),
        "main_fields": MAIN_FIELDS,
        "more_open": any(
            request.GET.get(name) or form.errors.get(name) for name in form.fields if name not in MAIN_FIELDS
        ),
    }
    status = 200
    if asked:
        if not _checked(form, user):
            status = 400
        elif form.cleaned_data["shape"] == Shape.SUMMARY and not services.is_small(user, form.conditions()):
            # Too large for the request: computed by a run, whose progress (then table) this page shows.
            conditions = form.conditions()
            report_run = services.recent_table_run(user, conditions)
            if report_run is None:
                refused = refuse_if_over(request, "report-export")
                if refused is not None:
                    return refused
                report_run = services.start_run(user, conditions, Format.TABLE, language=get_language())
            context.update(_run_context(report_run), conditions=conditions, shape=Shape.SUMMARY)
        else:
            context.update(_results(request, form.conditions()))
    return _page(request, "reports/builder.html", context, status)


def _results(request: HttpRequest, conditions: dict) -> dict:
    language = get_language()
    query = request.GET.copy()
    query.pop("page", None)
    base = {"conditions": conditions, "query": query.urlencode(), "shape": conditions["shape"]}
    if conditions["shape"] == Shape.LIST:
        paginator = Paginator(selectors.list_queryset(request.user, conditions), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        rows = list(page.object_list)
        services.log_disclosure(request.user, rows)
        headers = [pick(h, language) for h in tables.list_headers()]
        return {
            **base,
            "page": page,
            "headers": headers,
            "rows": [_display(headers, row, language) for row in tables.list_rows([rows])],
        }
    summary = selectors.summary(request.user, conditions)
    paginator = Paginator(summary.rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    headers = [pick(h, language) for h in tables.summary_headers(summary.group_by)]
    return {
        **base,
        "page": page,
        "headers": headers,
        "rows": [_display(headers, tables.summary_row(r), language) for r in page.object_list],
        "total": _display(headers, tables.summary_total(summary), language),
    }


def _display(headers: list[str], row: list, language: str) -> list[tuple[str, str]]:
    """(column name, cell text) pairs: the name labels the cell when a phone shows the row as a card."""
    out = []
    for cell in row:
        if isinstance(cell, tuple):
            out.append(pick(cell, language))
        elif isinstance(cell, bool):
            out.append(_("Yes") if cell else _("No"))
        elif isinstance(cell, datetime.datetime):
            out.append(esb_date(cell))
        elif cell is None:
            out.append("—")
        else:
            out.append(f"{cell:,}" if isinstance(cell, int) else str(cell))
    return list(zip(headers, out, strict=True))


def _posted_form(request: HttpRequest) -> ReportForm:
    return ReportForm(request.POST, user=request.user)


@officer_required
@require_POST
@throttle("report-export", methods=("POST",))
def export(request: HttpRequest) -> HttpResponse:
    _may(request)
    form = _posted_form(request)
    if not _checked(form, request.user):
        messages.error(request, _("The report's conditions are not valid: correct them and try again."))
        return HttpResponseRedirect(reverse("reports:builder") + "?" + _as_query(request.POST))
    definition = selectors.definition_of(request.user, request.POST.get("definition"))
    try:
        run = services.start_run(
            request.user,
            form.conditions(),
            request.POST.get("format", ""),
            language=get_language(),
            definition=definition,
        )
    except services.ReportRefused as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(reverse("reports:builder") + "?" + _as_query(request.POST))
    return HttpResponseRedirect(reverse("reports:run", kwargs={"public_id": run.public_id}))


def _as_query(data: QueryDict) -> str:
    from reports.conditions import FIELDS

    return urlencode({name: data.get(name) for name in FIELDS if data.get(name)})


@officer_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    _may(request)
    form = _posted_form(request)
    name = (request.POST.get("name") or "").strip()
    if not name or len(name) > 120:
        messages.error(request, _("Give the saved report a name of at most 120 characters."))
    elif _checked(form, request.user):
        definition = services.save_definition(request.user, name, form.conditions())
        messages.success(request, _("The report “%(name)s” is saved.") % {"name": definition.name})
    else:
        messages.error(request, _("The report's conditions are not valid: correct them and try again."))
    return HttpResponseRedirect(reverse("reports:builder") + "?" + _as_query(request.POST))


@officer_required
@require_safe
def open_definition(request: HttpRequest, public_id) -> HttpResponse:
    """A saved definition, run again: its conditions re-checked against the officer's scope today."""
    _may(request)
    definition = selectors.definition_of(request.user, public_id)
    if definition is None:
        raise Http404
    return HttpResponseRedirect(
        reverse("reports:builder") + "?" + urlencode(form_data(definition.conditions))
    )


@officer_required
@require_POST
def delete_definition(request: HttpRequest, public_id) -> HttpResponse:
    _may(request)
    definition = selectors.definition_of(request.user, public_id)
    if definition is None:
        raise Http404
    services.delete_definition(request.user, definition)
    messages.success(request, _("The saved report is deleted."))
    return HttpResponseRedirect(reverse("reports:builder"))


@officer_required
@require_safe
def run(request: HttpRequest, public_id) -> HttpResponse:
    """An export's progress (htmx polls the status part while it runs) and its download link when done."""
    _may(request)
    report_run = selectors.run_of(request.user, public_id)
    if report_run is None:
        raise Http404
    title = _("Report") if report_run.is_table else _("Report export")
    context = {"title": title, **_run_context(report_run)}
    if request.htmx:
        return TemplateResponse(request, "reports/includes/run_status.html", context)
    return _page(request, "reports/run.html", context)


def _run_context(report_run) -> dict:
    """The run; when it is a summary computed for the page and done, its table in the reader's language."""
    context: dict = {"run": report_run, "RunState": RunState}
    if report_run.is_table and report_run.state == RunState.DONE and report_run.result:
        language = get_language()
        headers, rows, total = tables.restored_summary(report_run.result)
        headers = [pick(h, language) for h in headers]
        context["table"] = {
            "headers": headers,
            "rows": [_display(headers, row, language) for row in rows],
            "total": _display(headers, total, language),
        }
    return context


@officer_required
@require_safe
def download(request: HttpRequest, public_id) -> HttpResponse:
    _may(request)
    report_run = selectors.run_of(request.user, public_id)
    if report_run is None or report_run.state != RunState.DONE or not report_run.file:
        raise Http404
    return stored_file_response(
        report_run.file,
        filename=report_run.filename,
        content_type=CONTENT_TYPES[report_run.format],
        as_attachment=True,
    )
