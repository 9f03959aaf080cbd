"""Writes behind the dashboard: the history folded into the pre-aggregated tables of dashboard.models
(docs/dashboard.md). Three append-only sources, each with its own mark:

- "events": applications.ApplicationEvent (CREATED and STATUS events) -> ApplicationCount, ProvinceCount,
  FunnelCount, and the whole-application durations (first submission to decision) in DurationCount;
- "payments": payments.PaymentEvent moving a payment to PAID, or a PAID one to REFUNDED -> FeeCount (net);
- "reviews": review.ReviewAction finishing a task (forward, recommend, reject, approve) -> DurationCount per
  step, in working days (esb.PublicHoliday and weekends, as esb.working_days counts them).

Like the Part 5 statistics (applications.services.statistics), nothing is written on the request path: a
shared counter row would serialise every status change of the day. Unlike them, today's figures matter, so
the fold cannot wait for a day to close. Ids are handed out when a row is inserted, not when it commits, so
a row with a lower id can become visible after a higher one was folded. Hence the mark per source:

- every id <= `settled_through` is folded (or was rolled back and never will be);
- the rows above it already folded are listed in FoldedRow, so a later fold takes exactly the others;
- the highest id visible at `checkpoint_at` becomes the settled mark once `checkpoint_at` is SETTLE_AFTER
  old: every lower id was handed out before it, by a transaction that has ended since (requests and tasks
  are cut off far sooner, see CLOSE_MARGIN), so nothing below it can still appear.

`fold` is idempotent (the mark rows are locked: two at once run one after the other; a second run finds
nothing new) and cheap: it reads the rows above the settled mark, a few minutes of history.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from applications.services.statistics import CLOSE_MARGIN
from dashboard.models import MAX_BUCKET, FoldMark
from review.models import ActionKind

SETTLE_AFTER = CLOSE_MARGIN
SOURCES: dict[str, str] = {
    "events": "applications_applicationevent",
    "payments": "payments_paymentevent",
    "reviews": "review_reviewaction",
}
COUNT_TABLES = [
    "dashboard_applicationcount",
    "dashboard_provincecount",
    "dashboard_funnelcount",
    "dashboard_feecount",
    "dashboard_durationcount",
    "dashboard_foldedrow",
]
FINISHING_ACTIONS = [ActionKind.FORWARD.value, ActionKind.RECOMMEND.value, ActionKind.REJECT.value]
FINISHING_ACTIONS.append(ActionKind.APPROVE.value)

# The events not folded yet, each with what it counts as and where (the service's institution and department,
# the business's province, the day the application was started).
_EVENTS_SQL = """
CREATE TEMP TABLE dash_new ON COMMIT DROP AS
SELECT e.id, (e.at AT TIME ZONE %(zone)s)::date AS day,
       CASE
           WHEN e.kind = 'CREATED' THEN 'CREATED'
           WHEN e.to_status = 'SUBMITTED' AND e.from_status = 'DRAFT' THEN 'RECEIVED'
           WHEN e.to_status = 'SUBMITTED' THEN 'RESUBMITTED'
           WHEN e.to_status = 'REJECTED' AND e.actor_kind = 'APPLICANT' THEN 'WITHDRAWN'
           ELSE e.to_status
       END AS measure,
       e.kind = 'STATUS' AND e.to_status = 'REVIEWING' AND NOT EXISTS (
           SELECT 1 FROM applications_applicationevent p
           WHERE p.application_id = e.application_id AND p.kind = 'STATUS' AND p.to_status = 'REVIEWING'
             AND p.id < e.id
       ) AS first_review,
       lt.institution_id, lt.department_id, a.licence_type_id, b.province_id,
       (a.created_at AT TIME ZONE %(zone)s)::date AS cohort,
       (a.submitted_at AT TIME ZONE %(zone)s)::date AS start_day,
       a.expected_decision_date AS due_date
FROM applications_applicationevent e
JOIN applications_application a ON a.id = e.application_id
JOIN licensing_licencetype lt ON lt.id = a.licence_type_id
LEFT JOIN registry_business b ON b.id = a.business_id
WHERE (e.kind = 'CREATED' OR (e.kind = 'STATUS' AND e.to_status <> ''))
  AND e.id > %(settled)s AND NOT EXISTS (
    SELECT 1 FROM dashboard_foldedrow f WHERE f.source = %(source)s AND f.row_id = e.id
)
"""

_EVENT_COUNTS_SQL = (
    """
INSERT INTO dashboard_applicationcount AS c
    (day, institution_id, department_id, licence_type_id, measure, count, grain)
SELECT BUCKET(day), institution_id, department_id, licence_type_id, measure, count(*), %(grain)s FROM dash_new
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT ON CONSTRAINT dash_appcount_cell DO UPDATE SET count = c.count + EXCLUDED.count
""",
    """
INSERT INTO dashboard_provincecount AS c
    (day, institution_id, department_id, licence_type_id, province_id, count, grain)
SELECT BUCKET(day), institution_id, department_id, licence_type_id, province_id, count(*), %(grain)s
FROM dash_new
WHERE measure = 'RECEIVED' GROUP BY 1, 2, 3, 4, 5
ON CONFLICT ON CONSTRAINT dash_provincecount_cell DO UPDATE SET count = c.count + EXCLUDED.count
""",
    """
INSERT INTO dashboard_funnelcount AS c
    (day, institution_id, department_id, licence_type_id, stage, count, grain)
SELECT BUCKET(cohort), institution_id, department_id, licence_type_id, stage, count(*), %(grain)s FROM (
    SELECT cohort, institution_id, department_id, licence_type_id,
           CASE WHEN measure = 'CREATED' THEN 'STARTED' WHEN measure = 'RECEIVED' THEN 'SUBMITTED'
                WHEN first_review THEN 'REVIEWED' WHEN measure = 'APPROVED' THEN 'APPROVED' END AS stage
    FROM dash_new
) s WHERE stage IS NOT NULL GROUP BY 1, 2, 3, 4, 5
ON CONFLICT ON CONSTRAINT dash_funnelcount_cell DO UPDATE SET count = c.count + EXCLUDED.count
""",
)

_EVENT_DURATIONS_SQL = """
CREATE TEMP TABLE dash_durations ON COMMIT DROP AS
SELECT id, day, institution_id, department_id, licence_type_id, '' AS step, start_day, 0 AS paused,
       due_date IS NOT NULL AND day > due_date AS breached
FROM dash_new WHERE measure IN ('APPROVED', 'REJECTED') AND start_day IS NOT NULL
"""

_PAYMENTS_SQL = """
INSERT INTO dashboard_feecount AS c
    (day, institution_id, department_id, licence_type_id, method, currency, count, amount, grain)
SELECT BUCKET((pe.at AT TIME ZONE %(zone)s)::date), lt.institution_id, lt.department_id, a.licence_type_id,
       p.method, p.currency, sum(CASE WHEN pe.to_status = 'PAID' THEN 1 ELSE -1 END),
       sum(CASE WHEN pe.to_status = 'PAID' THEN p.amount ELSE -p.amount END), %(grain)s
FROM payments_paymentevent pe
JOIN payments_payment p ON p.id = pe.payment_id
JOIN applications_application a ON a.id = p.application_id
JOIN licensing_licencetype lt ON lt.id = a.licence_type_id
WHERE pe.id IN (SELECT id FROM dash_ids)
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT ON CONSTRAINT dash_feecount_cell
DO UPDATE SET count = c.count + EXCLUDED.count, amount = c.amount + EXCLUDED.amount
"""
# Fees are net of refunds: a payment moved to PAID adds one and its amount on that day, a refund of a PAID
# payment (PAID -> REFUNDED) takes them off on the day of the refund. A FAILED attempt that settled anyway
# (refund_due) never counted as collected, so its refund (FAILED -> REFUNDED) takes nothing off.
# The ids first, in one snapshot: the insert must not see a payment event that commits in between.
_PAYMENT_IDS_SQL = """
CREATE TEMP TABLE dash_ids ON COMMIT DROP AS
SELECT pe.id FROM payments_paymentevent pe
WHERE (pe.to_status = 'PAID' OR (pe.to_status = 'REFUNDED' AND pe.from_status = 'PAID'))
  AND pe.id > %(settled)s AND NOT EXISTS (
    SELECT 1 FROM dashboard_foldedrow f WHERE f.source = %(source)s AND f.row_id = pe.id
)
"""

_REVIEWS_SQL = """
CREATE TEMP TABLE dash_durations ON COMMIT DROP AS
SELECT ra.id, (ra.at AT TIME ZONE %(zone)s)::date AS day, lt.institution_id, lt.department_id,
       a.licence_type_id, s.key AS step, (t.reached_at AT TIME ZONE %(zone)s)::date AS start_day,
       t.paused_working_days AS paused, (ra.at AT TIME ZONE %(zone)s)::date > t.due_date AS breached
FROM review_reviewaction ra
JOIN review_reviewtask t ON t.id = ra.task_id
JOIN licensing_workflowstep s ON s.id = ra.step_id
JOIN applications_application a ON a.id = ra.application_id
JOIN licensing_licencetype lt ON lt.id = a.licence_type_id
WHERE ra.action = ANY(%(finishing)s) AND ra.id > %(settled)s AND NOT EXISTS (
    SELECT 1 FROM dashboard_foldedrow f WHERE f.source = %(source)s AND f.row_id = ra.id
)
"""

# Working days between two dates, as esb.working_days counts them (days d with start < d <= end that are
# neither a weekend nor a public holiday): the difference of their ranks in a calendar of the span.
_DURATION_COUNTS_SQL = """
WITH span AS (
    SELECT least(min(start_day), min(day)) AS first, greatest(max(start_day), max(day)) AS last
    FROM dash_durations
), calendar AS (
    SELECT d::date AS day,
           count(*) FILTER (WHERE extract(isodow FROM d) < 6 AND h.date IS NULL) OVER (ORDER BY d) AS rank
    FROM span, generate_series(span.first, span.last, interval '1 day') d
    LEFT JOIN esb_publicholiday h ON h.date = d::date
)
INSERT INTO dashboard_durationcount AS c
    (day, institution_id, department_id, licence_type_id, step, working_days, breached, count, grain)
SELECT BUCKET(x.day), x.institution_id, x.department_id, x.licence_type_id, x.step,
       least(greatest(e.rank - s.rank - x.paused, 0), %(max_bucket)s), x.breached, count(*), %(grain)s
FROM dash_durations x
JOIN calendar s ON s.day = x.start_day
JOIN calendar e ON e.day = x.day
GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT ON CONSTRAINT dash_durationcount_cell DO UPDATE SET count = c.count + EXCLUDED.count
"""


# Every count is written twice: per day (grain "D") and per month (grain "M", day = the 1st), so a long
# period reads its whole months from a twelfth of the rows.
GRAINS = {"D": "(", "M": "dash_month("}


def _each_grain(cursor, statement: str, params: dict) -> None:
    for grain, opening in GRAINS.items():
        cursor.execute(statement.replace("BUCKET(", opening), {**params, "grain": grain})


def _params(source: str, settled: int) -> dict[str, object]:
    return {
        "settled": settled,
        "source": source,
        "zone": settings.TIME_ZONE,
        "finishing": FINISHING_ACTIONS,
        "max_bucket": MAX_BUCKET,
    }


def _remember(cursor, temp_table: str, params: dict, keep_above: int) -> None:
    """List the rows just folded whose id is above the settled mark (the others need no record)."""
    cursor.execute(
        "INSERT INTO dashboard_foldedrow (source, row_id) SELECT %(source)s, id FROM "  # noqa: S608 (fixed table)
        + temp_table
        + " WHERE id > %(keep_above)s",
        {**params, "keep_above": keep_above},
    )


def _fold_source(cursor, source: str, settled: int, keep_above: int) -> None:
    """Fold every visible row of `source` above `settled` not folded yet; record those above `keep_above`."""
    params = _params(source, settled)
    if source == "events":
        cursor.execute(_EVENTS_SQL, params)
        for statement in _EVENT_COUNTS_SQL:
            _each_grain(cursor, statement, params)
        cursor.execute(_EVENT_DURATIONS_SQL, params)
        _each_grain(cursor, _DURATION_COUNTS_SQL, params)
        _remember(cursor, "dash_new", params, keep_above)
        cursor.execute("DROP TABLE dash_new, dash_durations")
    elif source == "payments":
        cursor.execute(_PAYMENT_IDS_SQL, params)
        _each_grain(cursor, _PAYMENTS_SQL, params)
        _remember(cursor, "dash_ids", params, keep_above)
        cursor.execute("DROP TABLE dash_ids")
    else:
        cursor.execute(_REVIEWS_SQL, params)
        _each_grain(cursor, _DURATION_COUNTS_SQL, params)
        _remember(cursor, "dash_durations", params, keep_above)
        cursor.execute("DROP TABLE dash_durations")


def _max_id(cursor, source: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {SOURCES[source]}")  # noqa: S608 (fixed table names)
    return int(cursor.fetchone()[0])


def fold(now: datetime.datetime | None = None) -> dict[str, int]:
    """Fold what the history gained since the last run into the dashboard's tables; returns the settled mark
    of each source. Idempotent; run each minute by the beat (dashboard.tasks.fold)."""
    now = now or timezone.now()
    marks: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for source in SOURCES:
            mark, _ = FoldMark.objects.select_for_update().get_or_create(source=source)
            settled = mark.settled_through
            consumed = mark.checkpoint_at is not None and mark.checkpoint_at <= now - SETTLE_AFTER
            if consumed:
                mark.settled_through = max(settled, mark.checkpoint_id)
            _fold_source(cursor, source, settled, mark.settled_through)
            cursor.execute(
                "DELETE FROM dashboard_foldedrow WHERE source = %s AND row_id <= %s",
                [source, mark.settled_through],
            )
            if consumed or mark.checkpoint_at is None:
                mark.checkpoint_id, mark.checkpoint_at = _max_id(cursor, source), now
            mark.folded_at = now
            mark.save()
            marks[source] = mark.settled_through
    return marks


def rebuild_from_history(now: datetime.datetime | None = None) -> dict[str, int]:
    """Recompute every dashboard table from the history alone (after a bulk load, or to check the incremental
    path). Writers of the history wait for it: the SHARE locks also wait for every transaction writing them,
    so all that is visible then is all there is, and the marks settle at once."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(SOURCES.values())} IN SHARE MODE")
        cursor.execute("LOCK TABLE dashboard_foldmark IN EXCLUSIVE MODE")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(COUNT_TABLES)}")
        FoldMark.objects.all().delete()
        marks = {}
        for source in SOURCES:
            top = _max_id(cursor, source)
            _fold_source(cursor, source, 0, top)
            FoldMark.objects.create(
                source=source, settled_through=top, checkpoint_id=top, checkpoint_at=now, folded_at=now
            )
            marks[source] = top
    return marks


__all__ = ["SETTLE_AFTER", "SOURCES", "fold", "rebuild_from_history"]
