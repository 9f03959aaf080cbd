"""Demo review state (development only): the demo applicant's first application is claimed by an officer of
its first step (under review), the second is claimed and returned for one answer, the third goes through every
step to approval (its licence is then issued by the issuance tasks) — through `take_action`, as an officer
would. Runs after applications.demo (demo_data/seed.yaml); idempotent."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.selectors import user_by_personal_code
from applications.demo import demo_applicant_person
from applications.models import Application, Status
from review import eligibility, services
from review.models import ReviewAction, ReviewTask, TaskState

RETURN_MESSAGE = "Please check this answer against your registration certificate."


def seed(out=None, **options) -> None:
    if settings.IS_PRODUCTION:
        return
    role = demo_applicant_person()
    if role is None:
        return
    applicant = user_by_personal_code(role.person.identity_number)
    if applicant is None:
        return
    applications = list(
        Application.objects.filter(applicant=applicant, status=Status.SUBMITTED).order_by("created_at", "pk")
    )
    if not applications or ReviewAction.objects.filter(application__applicant=applicant).exists():
        return
    done = []
    with transaction.atomic():
        received = _act_as_first_officer(applications[0], return_it=False)
        if received:
            done.append(f"{applications[0].reference} under review")
        if len(applications) > 1 and _act_as_first_officer(applications[1], return_it=True):
            done.append(f"{applications[1].reference} returned for correction")
        if len(applications) > 2 and _approve_through_every_step(applications[2]):
            done.append(f"{applications[2].reference} approved")
    if out is not None:
        out.write("review: " + (", ".join(done) or "no demo officer for the demo applications' first steps"))


def _open_task_and_officer(application: Application) -> tuple[ReviewTask, User] | None:
    task = (
        ReviewTask.objects.select_related("step")
        .filter(application=application, state=TaskState.OPEN)
        .first()
    )
    if task is None:
        return None
    institution_id = application.licence_type.institution_id
    officer = (
        User.objects.filter(pk__in=eligibility.step_assignments(task.step, institution_id).values("user_id"))
        .order_by("pk")
        .first()
    )
    return (task, officer) if officer is not None else None


def _approve_through_every_step(application: Application) -> bool:
    """Forward at each step (ticking its checklist) and approve at the last, each by an eligible officer."""
    while True:
        found = _open_task_and_officer(application)
        if found is None:
            return False
        task, officer = found
        services.take_action(officer, application, "claim", version=application.version)
        application.refresh_from_db()
        checklist = list(task.step.checklist_items.values_list("pk", flat=True))
        action = "approve" if task.step.allows("approve") else "forward"
        services.take_action(officer, application, action, version=application.version, checklist=checklist)
        application.refresh_from_db()
        if action == "approve":
            return application.status == Status.APPROVED


def _act_as_first_officer(application: Application, *, return_it: bool) -> bool:
    found = _open_task_and_officer(application)
    if found is None:
        return False
    task, officer = found
    services.take_action(officer, application, "claim", version=application.version)
    if return_it:
        application.refresh_from_db()
        numbers = [
            f.key
            for f in application.form_definition.fields.all()
            if f.field_type in ("number", "text") and f.key not in application.locked_fields
        ][:1]
        if not numbers or not task.step.allows("return"):
            return True
        services.take_action(
            officer,
            application,
            "return",
            version=application.version,
            fields=numbers,
            message=RETURN_MESSAGE,
        )
    return True
