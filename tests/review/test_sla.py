"""SLA clocks: due dates in working days from when the step is reached, the pause while the application is
with the applicant, time left, and the overdue job that tells the holder and supervisors once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from esb.working_days import add_working_days, working_days_between
from notifications.models import Notification
from review import selectors, sla
from review.models import ReviewTask, TaskState
from review.overdue import notify_overdue_tasks
from review.tasks import notify_overdue_tasks as overdue_task
from tests.review import factories
from tests.review.factories import act, current_task

pytestmark = pytest.mark.django_db


def test_working_days_skip_weekends():
    friday = datetime.date(2026, 12, 4)
    assert add_working_days(friday, 1) == datetime.date(2026, 12, 7)
    assert working_days_between(friday, datetime.date(2026, 12, 7)) == 1
    assert working_days_between(datetime.date(2026, 12, 7), friday) == -1
    assert working_days_between(friday, friday) == 0


def test_each_step_is_due_its_sla_in_working_days_from_when_it_is_reached(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    task = current_task(application)
    assert task.due_date == add_working_days(timezone.localdate(task.reached_at), task.step.sla_working_days)
    assert selectors.time_left(task) == task.step.sla_working_days
    act(team.reception, application, "claim")
    act(team.reception, application, "forward")
    reached = current_task(application)
    assert reached.reached_at > task.reached_at
    assert reached.due_date == add_working_days(
        timezone.localdate(reached.reached_at), reached.step.sla_working_days
    )


def test_the_clock_pauses_while_the_application_is_with_the_applicant(applicant, business, service, team):
    application = factories.returned(applicant, service, business, team)
    task = ReviewTask.objects.get(application=application, state=TaskState.WAITING)
    # The application waited since nine calendar days ago.
    paused_at = timezone.now() - datetime.timedelta(days=9)
    ReviewTask.objects.filter(pk=task.pk).update(paused_at=paused_at)
    task.refresh_from_db()
    frozen = selectors.time_left(task)
    assert frozen == working_days_between(timezone.localdate(paused_at), task.due_date)
    factories.correct(application, applicant)
    task.refresh_from_db()
    paused = working_days_between(timezone.localdate(paused_at), timezone.localdate())
    assert paused >= 1
    assert (task.state, task.paused_at, task.paused_working_days) == (TaskState.OPEN, None, paused)
    before_due = ReviewTask.objects.filter(pk=task.pk).values_list("due_date", flat=True).get()
    assert before_due == add_working_days(_original_due(task, paused), paused)
    assert selectors.time_left(task) == working_days_between(timezone.localdate(), task.due_date)


def _original_due(task, paused):
    """The due date before the pause was added, recomputed from the step's SLA."""
    return sla.due_date(task.reached_at, task.step.sla_working_days)


def _overdue(application, days=2):
    task = current_task(application)
    ReviewTask.objects.filter(pk=task.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=days)
    )
    return task


def test_overdue_job_tells_the_holder_and_the_supervisors_once(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    task = _overdue(application)
    assert overdue_task() == 1
    titles = Notification.objects.filter(title_en__startswith="Application overdue")
    assert {n.user for n in titles} == {team.reception, team.supervisor}
    assert all(n.url.endswith(f"{application.public_id}/") for n in titles)
    task.refresh_from_db()
    assert task.overdue_notified_at is not None
    assert notify_overdue_tasks() == 0
    assert Notification.objects.filter(title_en__startswith="Application overdue").count() == 2


def test_an_unclaimed_overdue_task_tells_every_officer_of_the_step(applicant, business, service, team):
    colleague = factories.officer("reception_officer", service.institution)
    application = factories.queued(applicant, service, business)
    _overdue(application)
    notify_overdue_tasks()
    told = {n.user for n in Notification.objects.filter(title_en__startswith="Application overdue")}
    assert told == {team.reception, colleague, team.supervisor}


def test_tasks_due_today_or_waiting_are_not_overdue(applicant, business, service, team):
    due_today = factories.claimed(applicant, service, business, team.reception)
    _overdue(due_today, days=0)
    waiting = factories.returned(applicant, service, business, team)
    ReviewTask.objects.filter(application=waiting).update(
        due_date=timezone.localdate() - datetime.timedelta(days=5)
    )
    assert notify_overdue_tasks() == 0
    assert selectors.queue(team.reception, "mine", overdue=True).count() == 0
