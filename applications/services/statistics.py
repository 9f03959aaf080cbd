"""Writes behind the Part 5 statistics (applications/statistics.py reads them; docs/statistics.md).

Two derived tables, both recomputable from the append-only timeline:

- `StatusSpan`, written with every CREATED/STATUS event in the event's transaction (`record_status`): the
  caller already holds the application row lock, so this costs one indexed read and one or two row writes
  and never waits on another application.
- `StatusSpanCount`, the spans of closed days counted by (day, until, status), advanced by `close_days`
  (hourly beat task, idempotent: it folds only the days after its watermark, in one transaction). It is
  never written on the request path: a shared counter row per day and status would serialise every status
  change of the day.

A reader gets the same answer for a closed range whether the counts are folded or not (the reader adds the
spans of the days not folded yet), so the beat task only changes the speed, never the answer.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from applications.models import OPEN_UNTIL, StatusCountsWatermark, StatusSpanCount

LOCAL_ZONE = ZoneInfo(settings.TIME_ZONE)  # Asia/Phnom_Penh: the day the ministry counts in
# A day is closed this long after its local midnight: a transaction that wrote an event at 23:59:59 has
# committed by then (requests and tasks are cut off far sooner: CELERY_TASK_TIME_LIMIT, gunicorn timeout).
CLOSE_MARGIN = datetime.timedelta(minutes=10)


def local_day(at: datetime.datetime) -> datetime.date:
    return at.astimezone(LOCAL_ZONE).date()


def last_closed_day(now: datetime.datetime | None = None) -> datetime.date:
    """The last local day whose history can no longer change."""
    return local_day((now or timezone.now()) - CLOSE_MARGIN) - datetime.timedelta(days=1)


# One statement (a status change already runs ~17): the day the change counts on (never before the open
# span's: a clock running backwards never moves history back), the open span closed when it began on an
# earlier day, and the new span added, or the open one given the new status when it began that day. The
# INSERT reads the UPDATE's output so the old span is closed before the new one is checked against the
# one-open-span index.
_RECORD_SQL = """
WITH target AS (
    SELECT greatest(%(day)s::date, coalesce(
        (SELECT day FROM applications_statusspan WHERE application_id = %(app)s AND until = %(open)s),
        %(day)s::date
    )) AS day
), closed AS (
    UPDATE applications_statusspan s SET until = target.day FROM target
    WHERE s.application_id = %(app)s AND s.until = %(open)s AND s.day < target.day
    RETURNING s.id
)
INSERT INTO applications_statusspan (application_id, day, status, until)
SELECT %(app)s, target.day, %(status)s, %(open)s FROM target, (SELECT count(*) FROM closed) c
ON CONFLICT (application_id, day) DO UPDATE SET status = EXCLUDED.status
"""


def record_status(application_id: int, at: datetime.datetime, status: str) -> None:
    """Note that the application has `status` from `at` on (called with the event, in its transaction, the
    application row locked by the caller). Several changes on one day keep one span with the last status."""
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_SQL, {"app": application_id, "day": local_day(at), "status": status, "open": OPEN_UNTIL}
        )


# Fold the spans of the days (old, new] into the counts: spans that began then, and spans that began before
# and ended then (moved from their open cell to their dated one).
_FOLD_SQL = (
    """
UPDATE applications_statusspancount c SET count = c.count - m.n
FROM (
    SELECT day, status, count(*) AS n FROM applications_statusspan
    WHERE until > %(old)s AND until <= %(new)s AND day <= %(old)s
    GROUP BY day, status
) m
WHERE c.day = m.day AND c.status = m.status AND c.until = %(open)s
""",
    """
INSERT INTO applications_statusspancount (day, until, status, count)
SELECT day, CASE WHEN until <= %(new)s THEN until ELSE %(open)s END, status, count(*)
FROM applications_statusspan
WHERE (day > %(old)s AND day <= %(new)s) OR (until > %(old)s AND until <= %(new)s AND day <= %(old)s)
GROUP BY 1, 2, 3
ON CONFLICT (day, until, status) DO UPDATE SET count = applications_statusspancount.count + EXCLUDED.count
""",
    "DELETE FROM applications_statusspancount WHERE count = 0",
)

# The spans as the incremental path writes them, from the timeline: per application, events in order, each
# on its local day (never before an earlier event's day), the last status of each day, until the next day.
SPANS_FROM_EVENTS_SQL = """
INSERT INTO applications_statusspan (application_id, day, status, until)
SELECT application_id, day, status,
       coalesce(lead(day) OVER (PARTITION BY application_id ORDER BY day), %(open)s)
FROM (
    SELECT DISTINCT ON (application_id, day) application_id, day, status
    FROM (
        SELECT application_id, at, id,
               max((at AT TIME ZONE %(zone)s)::date)
                   OVER (PARTITION BY application_id ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS day,
               CASE WHEN kind = 'CREATED' THEN 'DRAFT' ELSE to_status END AS status
        FROM applications_applicationevent
        WHERE kind = 'CREATED' OR (kind = 'STATUS' AND to_status <> '')
    ) e
    ORDER BY application_id, day, at DESC, id DESC
) d
"""


def _fold(old: datetime.date, new: datetime.date) -> None:
    with connection.cursor() as cursor:
        for statement in _FOLD_SQL:
            cursor.execute(statement, {"old": old, "new": new, "open": OPEN_UNTIL})


def close_days(now: datetime.datetime | None = None) -> datetime.date:
    """Fold every closed day not folded yet into the counts; returns the watermark. Idempotent: a second run
    (or two at once: the watermark row is locked) finds nothing to do."""
    target = last_closed_day(now)
    with transaction.atomic():
        mark, _ = StatusCountsWatermark.objects.select_for_update().get_or_create(pk=1)
        if mark.closed_through < target:
            _fold(mark.closed_through, target)
            mark.closed_through = target
            mark.save(update_fields=["closed_through"])
        return mark.closed_through


def rebuild_from_history(now: datetime.datetime | None = None) -> dict[str, object]:
    """Recompute the spans and the counts from the timeline alone (after a bulk load that bypassed the
    services, or to check the incremental path). Status changes wait for it (the span table is locked)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE applications_statusspan, applications_statusspancount,"
                " applications_statuscountswatermark IN EXCLUSIVE MODE"
            )
            # Checks deferred earlier in this transaction run now: TRUNCATE refuses to run with any pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE applications_statusspan, applications_statusspancount")
            cursor.execute(SPANS_FROM_EVENTS_SQL, {"open": OPEN_UNTIL, "zone": settings.TIME_ZONE})
            spans = cursor.rowcount
        StatusCountsWatermark.objects.update_or_create(pk=1, defaults={"closed_through": datetime.date.min})
        closed_through = close_days(now)
        cells = StatusSpanCount.objects.count()
    return {"spans": spans, "cells": cells, "closed_through": closed_through}


__all__ = ["CLOSE_MARGIN", "LOCAL_ZONE", "close_days", "last_closed_day", "local_day", "rebuild_from_history"]
