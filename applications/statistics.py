"""Part 5 `application_statistic` (spec part5-api.md §6): how many applications are in each status, among
those last modified inside a date range — final values, computed from the append-only history as it stood
at the end of the range's last day (Asia/Phnom_Penh). Definition and reasoning: docs/statistics.md.

`final_counts(start, end)` is what the API returns; `status_counts(start, end)` says besides whether the
answer is final (the range's last day is closed) or provisional (it ends today or later).

One statement reads the pre-aggregated counts of the closed days (`StatusSpanCount`, a few thousand rows at
most for years of history) and, for the days not folded yet, the spans themselves (a day or two of rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from applications.models import OPEN_UNTIL, Status
from applications.services.statistics import CLOSE_MARGIN, LOCAL_ZONE

# API field of each status (spec §6), in the order of the spec.
FIELDS: dict[str, str] = {
    Status.APPROVED: "number_of_approved",
    Status.DRAFT: "number_of_draft",
    Status.EXPIRED: "number_of_expired",
    Status.REJECTED: "number_of_rejected",
    Status.RETURNED: "number_of_returned",
    Status.REVIEWING: "number_of_reviewing",
    Status.SUBMITTED: "number_of_submitted",
}
TOTAL_FIELD = "total_number_of_all_license"


class InvalidStatisticsRange(ValueError):
    """The range cannot be answered (start after end); the API answers it with 400."""


@dataclass(frozen=True)
class StatusCounts:
    start_date: datetime.date
    end_date: datetime.date
    by_status: dict[str, int]  # Status value -> count, every status present
    # True when end_date is a closed day: the same answer forever. False: the range ends today or later,
    # and the counts still move until that day closes.
    final: bool

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def as_dict(self) -> dict[str, int]:
        """The API's `data`: the seven counts and their sum."""
        data = {field: self.by_status[status] for status, field in FIELDS.items()}
        data[TOTAL_FIELD] = self.total
        return data


# For each application last modified in [s, e] as of the end of e: its status then. A span (application, day
# of a change, status at the end of that day, day of the next change) counts when s <= day <= e < until.
# Days up to the watermark w are read from the counts (whose `until` is exact up to w and OPEN beyond: when
# e > w the spans that ended in (w, e] are taken back out); days after w from the spans. w is a parameter
# (the planner then picks the right index for each part); the statement also returns the watermark of its
# own snapshot, the row named '', so an answer read while close_days committed is recomputed.
_COUNT_SQL = """
SELECT status, sum(n)::bigint FROM (
    SELECT c.status, c.count AS n FROM applications_statusspancount c
    WHERE c.day >= %(s)s AND c.day <= least(%(e)s, %(w)s) AND c.until > %(e)s
    UNION ALL
    SELECT sp.status, -count(*) FROM applications_statusspan sp
    WHERE %(e)s > %(w)s AND sp.until > %(w)s AND sp.until <= %(e)s AND sp.day >= %(s)s AND sp.day <= %(w)s
    GROUP BY sp.status
    UNION ALL
    SELECT sp.status, count(*) FROM applications_statusspan sp
    WHERE sp.day > %(w)s AND sp.day >= %(s)s AND sp.day <= %(e)s AND sp.until > %(e)s
    GROUP BY sp.status
    UNION ALL
    SELECT '', coalesce(
        (SELECT closed_through FROM applications_statuscountswatermark WHERE id = 1), DATE '0001-01-01'
    ) - DATE '0001-01-01'
) parts
GROUP BY status
"""
_WATERMARK_SQL = "SELECT closed_through FROM applications_statuscountswatermark WHERE id = 1"


def _watermark(cursor) -> datetime.date:
    cursor.execute(_WATERMARK_SQL)
    row = cursor.fetchone()
    return row[0] if row else datetime.date.min


def _count(start: datetime.date, end: datetime.date) -> dict[str, int]:
    with connection.cursor() as cursor:
        watermark = _watermark(cursor)
        while True:
            cursor.execute(_COUNT_SQL, {"s": start, "e": end, "w": watermark})
            rows = dict(cursor.fetchall())
            seen = datetime.date.min + datetime.timedelta(days=int(rows.pop("")))
            if seen == watermark:
                return {status: int(count) for status, count in rows.items()}
            watermark = seen  # close_days committed in between: once more with the new watermark


def _is_closed(day: datetime.date, now: datetime.datetime) -> bool:
    end_of_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), LOCAL_ZONE)
    return end_of_day + CLOSE_MARGIN <= now


def status_counts(
    start_date: datetime.date, end_date: datetime.date, *, now: datetime.datetime | None = None
) -> StatusCounts:
    """Counts per status of the applications last modified (status change, creation included) between
    start_date and end_date inclusive, as of the end of end_date, local time."""
    for value in (start_date, end_date):
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise TypeError("start_date and end_date must be datetime.date")
    if start_date > end_date:
        raise InvalidStatisticsRange("start_date is after end_date")
    found = _count(start_date, min(end_date, OPEN_UNTIL - datetime.timedelta(days=1)))
    by_status = {status.value: found.get(status.value, 0) for status in FIELDS}
    return StatusCounts(start_date, end_date, by_status, final=_is_closed(end_date, now or timezone.now()))


def final_counts(start_date: datetime.date, end_date: datetime.date) -> dict[str, int]:
    """The API's `data` for the range (see status_counts); raises InvalidStatisticsRange when start > end."""
    return status_counts(start_date, end_date).as_dict()


__all__ = ["FIELDS", "TOTAL_FIELD", "InvalidStatisticsRange", "StatusCounts", "final_counts", "status_counts"]
