"""Writes of reports: saved definitions (the officer's own), runs (an export asked for, enqueued through the
outbox in the same transaction, made by `execute_run` in a Celery task or at once when small), the
data-access log of the people a list discloses, and the cleanup of files past their retention.

`execute_run` is idempotent: a run already done or failed is left alone, and a run found RUNNING (its worker
was killed) is made again from the start into a new file. The people a list names are logged as each chunk
is written, so a run made twice logs them twice — more than once, never less.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from esb import audit
from esb.outbox.services import enqueue
from privacy.models import AccessorKind, AccessPurpose
from privacy.services import record_accesses_of
from reports import exports, selectors, tables
from reports.models import Format, ReportDefinition, ReportRun, RunState, Shape

logger = logging.getLogger(__name__)

RUN_TOPIC = "reports.run"
RUN_PERMISSION = "reports.run_report"
PERSONAL_DATA_PERMISSION = "reports.export_personal_data"
# A list of at most this many applications is exported in the request itself; a summary of at most
# INLINE_SUMMARY_ROWS is computed there (shown on the page, or exported). Both by the planner's estimate
# (selectors.estimated_rows): a year of a million applications takes 5-10 s to summarise (bench/README.md).
IMMEDIATE_ROWS = 500
INLINE_SUMMARY_ROWS = 50_000
# A TABLE run asked again with the same conditions within this time is shown again, not computed again.
TABLE_REUSE = datetime.timedelta(minutes=30)
DISCLOSED = "Application listed in a report (reference, service, business, Single ID, status, dates, fee)"


class ReportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_small(user, conditions: dict[str, Any], today: datetime.date | None = None) -> bool:
    """Whether the report may be made in the request (see IMMEDIATE_ROWS and INLINE_SUMMARY_ROWS)."""
    limit = IMMEDIATE_ROWS if conditions.get("shape") == Shape.LIST else INLINE_SUMMARY_ROWS
    return selectors.estimated_rows(user, conditions, today) <= limit


def may_run(user, conditions: dict[str, Any]) -> bool:
    if not user.has_perm(RUN_PERMISSION):
        return False
    return conditions.get("shape") != Shape.LIST or user.has_perm(PERSONAL_DATA_PERMISSION)


# --- saved definitions -------------------------------------------------------------------------------------


@transaction.atomic
def save_definition(user: User, name: str, conditions: dict[str, Any]) -> ReportDefinition:
    """Save the conditions under `name` (the officer's own name for it: saving again replaces them)."""
    definition, created = ReportDefinition.objects.select_for_update().get_or_create(
        owner=user, name=name.strip(), defaults={"conditions": conditions}
    )
    if not created:
        definition.conditions = conditions
        definition.save(update_fields=["conditions", "updated_at"])
    audit.record(
        "reports.definition_saved", definition, after={"name": definition.name, "conditions": conditions}
    )
    return definition


@transaction.atomic
def delete_definition(user: User, definition: ReportDefinition) -> None:
    if definition.owner_id != user.pk:  # the views only pass the officer's own; refused here all the same
        raise ReportRefused(_("This saved report is not yours."))
    audit.record("reports.definition_deleted", definition, before={"name": definition.name})
    definition.delete()


# --- runs --------------------------------------------------------------------------------------------------


def start_run(
    user: User,
    conditions: dict[str, Any],
    export_format: str,
    *,
    language: str,
    definition: ReportDefinition | None = None,
) -> ReportRun:
    """Ask for an export: the run row and its outbox message commit together; a small one is then made at
    once (the message finds it done). Raises ReportRefused without the permission it needs."""
    if not may_run(user, conditions):
        raise ReportRefused(_("You may not export this report."))
    if export_format not in Format.values or (
        export_format == Format.TABLE and conditions.get("shape") == Shape.LIST
    ):
        raise ReportRefused(_("Choose CSV, Excel or PDF."))
    with transaction.atomic():
        run = ReportRun.objects.create(
            owner=user,
            definition=definition,
            conditions=conditions,
            format=export_format,
            language=language if language in ("km", "en") else "km",
        )
        enqueue(RUN_TOPIC, {"run_id": run.pk}, dedupe_key=f"{RUN_TOPIC}:{run.public_id}")
        audit.record("reports.run_started", run, after={"format": export_format, "conditions": conditions})
    if is_small(user, conditions):
        execute_run(run.pk)
        run.refresh_from_db()
    return run


def recent_table_run(user: User, conditions: dict[str, Any]) -> ReportRun | None:
    """The officer's run computing this summary for the page, asked within TABLE_REUSE and not failed: the
    page shows it again (reloading the page never starts the same computation twice)."""
    return (
        selectors.runs_of(user)
        .filter(
            format=Format.TABLE,
            conditions=conditions,
            created_at__gte=timezone.now() - TABLE_REUSE,
            state__in=(RunState.QUEUED, RunState.RUNNING, RunState.DONE),
        )
        .first()
    )


def _claim(run_id: int) -> ReportRun | None:
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).select_related("owner").first()
        if run is None or run.state in (RunState.DONE, RunState.FAILED):
            return None
        run.state = RunState.RUNNING
        run.started_at = timezone.now()
        run.rows_done = 0
        run.save(update_fields=["state", "started_at", "rows_done"])
        return run


def execute_run(run_id: int, *, today: datetime.date | None = None) -> None:
    """Make the run's file (idempotent; see the module's docstring)."""
    run = _claim(run_id)
    if run is None:
        return
    owner = run.owner
    try:
        if not owner.is_active or not may_run(owner, run.conditions):
            raise ReportRefused(_("You may no longer export this report."))
        if run.is_table:
            rows = _compute_table(run, owner, today or timezone.localdate())
        else:
            with translation.override(run.language), tempfile.TemporaryFile() as handle:
                rows = _write(run, owner, handle, today or timezone.localdate())
                handle.seek(0)
                run.file.save(f"{run.public_id}.{run.format}", File(handle), save=False)
    except (ReportRefused, exports.ExportTooLarge) as refused:
        _finish(run, RunState.FAILED, error=str(refused.message))
        return
    except Exception:
        logger.exception("report run %s failed", run.pk)
        _finish(run, RunState.FAILED, error=_("The report could not be made. Try again, or narrow it."))
        raise
    _finish(run, RunState.DONE, rows=rows)


def _finish(run: ReportRun, state: str, *, rows: int | None = None, error: str = "") -> None:
    now = timezone.now()
    run.state = state
    run.finished_at = now
    run.error = error[:300]
    if rows is not None:
        run.rows_done = run.rows_total = rows
    if state == RunState.DONE and run.file:
        run.size = run.file.size
        run.expires_at = now + datetime.timedelta(days=settings.ESB_REPORT_RETENTION_DAYS)
    run.save()
    audit.record(
        "reports.run_finished",
        run,
        after={"state": state, "rows": run.rows_done, "error": run.error},
        actor_id=run.owner_id,
    )


def _progress(run: ReportRun):
    def update(done: int) -> None:
        ReportRun.objects.filter(pk=run.pk).update(rows_done=done)

    return update


def _compute_table(run: ReportRun, owner: User, today: datetime.date) -> int:
    """A summary for the page: computed with the owner's scope today, kept in the run (it names no one)."""
    summary = selectors.summary(owner, run.conditions, today)
    run.result = tables.stored_summary(summary)
    run.rows_total = len(summary.rows)
    return len(summary.rows)


def _write(run: ReportRun, owner: User, handle, today: datetime.date) -> int:
    conditions = run.conditions
    title = tables.title(conditions)
    if conditions.get("shape") == Shape.LIST:
        total = selectors.applications(owner, conditions, today).count()
        ReportRun.objects.filter(pk=run.pk).update(rows_total=total)
        run.rows_total = total
        chunks = _disclosing(owner, run, selectors.list_chunks(owner, conditions, today))
        headers, rows, footer = tables.list_headers(), tables.list_rows(chunks), None
    else:
        summary = selectors.summary(owner, conditions, today)
        headers = tables.summary_headers(summary.group_by)
        rows, footer = [tables.summary_row(r) for r in summary.rows], tables.summary_total(summary)
        ReportRun.objects.filter(pk=run.pk).update(rows_total=len(rows))
        run.rows_total = len(rows)
    counted = exports.counted(rows, selectors.CHUNK, _progress(run))
    if run.format == Format.PDF:
        described = tables.described(conditions, owner)
        handle.write(exports.pdf(title, described, headers, counted, footer))
        return run.rows_total
    data = [*counted, footer] if footer else counted
    if run.format == Format.CSV:
        written = exports.write_csv(handle, headers, data, run.language)
    else:
        written = exports.write_xlsx(handle, headers, data, run.language, exports.pick(title, run.language))
    return written - (1 if footer else 0)


def _disclosing(owner: User, run: ReportRun, chunks):
    """Pass the list's chunks through, logging each person and business named, chunk by chunk."""
    for chunk in chunks:
        log_disclosure(owner, chunk, what=DISCLOSED, object_prefix=f"report {str(run.public_id)[:8]} ")
        yield chunk


def log_disclosure(
    officer: User, rows: list[dict[str, Any]], *, what: str = DISCLOSED, object_prefix: str = ""
) -> None:
    """One data-access row per application listed, naming its applicant and its business."""
    record_accesses_of(
        ((row["applicant_id"], row["business_id"], object_prefix + (row["reference"] or "")) for row in rows),
        accessor_label=officer.get_full_name() or officer.get_username(),
        accessor_kind=AccessorKind.OFFICER,
        accessor_user_id=officer.pk,
        purpose=AccessPurpose.REPORT,
        what=what,
    )


# --- retention ---------------------------------------------------------------------------------------------


def expire_files(now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Delete the files of runs past `expires_at` (the run row stays, marked expired); returns how many."""
    now = now or timezone.now()
    removed = 0
    while True:
        with transaction.atomic():
            runs = list(
                ReportRun.objects.select_for_update(skip_locked=True)
                .filter(expires_at__lte=now)
                .exclude(file="")
                .order_by("expires_at", "id")[:batch]
            )
            for run in runs:
                run.file.delete(save=False)
                run.save(update_fields=["file"])
            removed += len(runs)
        if len(runs) < batch:
            return removed
