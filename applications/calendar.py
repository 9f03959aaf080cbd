"""Working days for the expected decision date (Monday to Friday)."""

from __future__ import annotations

import datetime


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (weekends skipped; `start` itself does not count)."""
    current = start
    remaining = max(days, 0)
    while remaining:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
