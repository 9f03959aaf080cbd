"""SLA clocks of review tasks, in working days (`esb.working_days`): due when the step is reached, paused
while the application waits for the applicant, moved on by the working days paused when it comes back."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esb.working_days import WorkingCalendar, add_working_days, working_days_between


def due_date(reached: datetime.datetime, sla_working_days: int) -> datetime.date:
    return add_working_days(timezone.localdate(reached), sla_working_days)


def working_days_paused(paused_at: datetime.datetime, resumed_at: datetime.datetime) -> int:
    return max(working_days_between(timezone.localdate(paused_at), timezone.localdate(resumed_at)), 0)


def clock_date(task, today: datetime.date | None = None) -> datetime.date:
    """The day the task's clock reads: today, or where it stopped (paused, or completed)."""
    if task.paused_at is not None:
        return timezone.localdate(task.paused_at)
    if task.completed_at is not None:
        return timezone.localdate(task.completed_at)
    return today or timezone.localdate()


def time_left(task, today: datetime.date | None = None, calendar: WorkingCalendar | None = None) -> int:
    """Working days left before the task is due (negative: overdue). A waiting task's clock stands still at
    the moment it was paused; a finished task's at its completion. Pass a `calendar` to compute many."""
    reference = clock_date(task, today)
    if calendar is not None:
        return calendar.working_days_between(reference, task.due_date)
    return working_days_between(reference, task.due_date)


def calendar_for(tasks, today: datetime.date | None = None) -> WorkingCalendar:
    """One working-day calendar covering every date the tasks' clocks need (one holiday read for a page)."""
    today = today or timezone.localdate()
    dates = [today]
    for task in tasks:
        dates += [clock_date(task, today), task.due_date]
    return WorkingCalendar.for_span(min(dates), max(dates))
