"""SLA clocks of review tasks, in working days (`esb.working_days`): due when the step is reached, paused
while the application waits for the applicant, moved on by the working days paused when it comes back."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esb.working_days import add_working_days, working_days_between


def due_date(reached: datetime.datetime, sla_working_days: int) -> datetime.date:
    return add_working_days(timezone.localdate(reached), sla_working_days)


def working_days_paused(paused_at: datetime.datetime, resumed_at: datetime.datetime) -> int:
    return max(working_days_between(timezone.localdate(paused_at), timezone.localdate(resumed_at)), 0)


def time_left(task, today: datetime.date | None = None) -> int:
    """Working days left before the task is due (negative: overdue). A waiting task's clock stands still at
    the moment it was paused; a finished task's at its completion."""
    if task.paused_at is not None:
        reference = timezone.localdate(task.paused_at)
    elif task.completed_at is not None:
        reference = timezone.localdate(task.completed_at)
    else:
        reference = today or timezone.localdate()
    return working_days_between(reference, task.due_date)
