"""The SLA watch: an open task past its due date tells its holder (or, unclaimed, every officer who may act
at its step) and the supervisors of its institution — once per task."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from accounts.models import User
from esb import audit
from notifications import services as notifications
from review import eligibility
from review.models import ReviewTask, TaskState
from review.services import review_path

BATCH = 500


def overdue_recipients(task: ReviewTask) -> list[User]:
    institution_id = task.application.licence_type.institution_id
    if task.holder_id:
        people = {task.holder_id: task.holder}
    else:
        users = User.objects.filter(
            pk__in=eligibility.step_assignments(task.step, institution_id).values("user_id")
        )
        people = {user.pk: user for user in users}
    for supervisor in eligibility.officers_with_permission_at(eligibility.SUPERVISE, institution_id):
        people.setdefault(supervisor.pk, supervisor)
    return list(people.values())


def notify_overdue_tasks(today: datetime.date | None = None) -> int:
    """Notify about every open task whose due date has passed and that was not notified yet; returns how
    many tasks were notified. Each task in its own short transaction, skipping rows another run holds."""
    today = today or timezone.localdate()
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                ReviewTask.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(state=TaskState.OPEN, overdue_notified_at__isnull=True, due_date__lt=today)
                .select_related("application__licence_type", "step", "holder")
                .order_by("due_date", "id")[:BATCH]
            )
            for task in batch:
                _notify(task)
            done += len(batch)
        if len(batch) < BATCH:
            return done


def _notify(task: ReviewTask) -> None:
    application = task.application
    reference = application.reference or ""
    with override("km"):
        body_km = f"{reference} — {application.licence_type.name_km} · {task.step.name_km}"
    body_en = f"{reference} — {application.licence_type.name_en} · {task.step.name_en}"
    due = task.due_date.isoformat()
    for person in overdue_recipients(task):
        notifications.notify(
            person,
            title_km=f"ពាក្យស្នើសុំហួសកាលកំណត់ ({due})",
            title_en=f"Application overdue (due {due})",
            body_km=body_km,
            body_en=body_en,
            url=review_path(application),
            dedupe_key=f"review-overdue:{task.pk}:{person.pk}",
        )
    task.overdue_notified_at = timezone.now()
    task.save(update_fields=["overdue_notified_at"])
    audit.record("review.overdue", application, after={"task": task.pk, "due_date": due})
