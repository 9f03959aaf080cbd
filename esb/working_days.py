"""Working days (Monday to Friday) for SLA clocks and expected decision dates.

Weekend-only placeholder with the public signatures the holiday-aware calendar keeps
(`add_working_days`, `working_days_between`, `is_working_day`); the public-holiday table replaces it.
"""

from __future__ import annotations

import datetime


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (`start` itself does not count; 0 gives `start`)."""
    current = start
    remaining = max(days, 0)
    while remaining:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is before `start`), so
    that `add_working_days(start, working_days_between(start, end))` is `end` whenever `end` is a working
    day."""
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return sign * count
