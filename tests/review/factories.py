"""Officers and applications in named review states, reached through the services (`take_action`), so tasks,
history rows, timeline events and audit events are what the real path produces:

queued → claimed → forwarded (to the technical step) → returned → resubmitted → recommended → approved, and
rejected. The three-level workflow is tests/licensing/factories.valid_workflow_draft: reception (reception
officer) → review (technical officer of a department, one mandatory checklist item) → decision (approver).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from accounts.models import OfficerAssignment, Role, User
from applications import services as application_services
from applications.models import Application
from licensing import services as licensing_services
from licensing.models import LicenceType, WorkflowDefinition
from review import services
from review.models import RejectionReason, ReviewAction, ReviewTask, TaskState
from review.reasons import seed_rejection_reasons
from tests.applications import factories as application_factories
from tests.licensing.factories import (
    ChecklistItemFactory,
    WorkflowDefinitionFactory,
    WorkflowStepFactory,
)

_numbers = itertools.count(1)


def officer(role: str, institution, department=None, *, name: str = "") -> User:
    """A staff user with one active assignment (role at institution, optionally one department)."""
    n = next(_numbers)
    user = User.objects.create_user(
        username=f"officer-{role}-{n}",
        full_name_en=name or f"{role.replace('_', ' ').title()} {n}",
        full_name_km=name or f"មន្ត្រី {n}",
        email=f"officer{n}@example.gov.kh",
        is_staff=True,
        preferred_language="en",
    )
    OfficerAssignment.objects.create(
        user=user, role=Role.objects.get(code=role), institution=institution, department=department
    )
    return user


@dataclass
class Team:
    """The officers of a three-level service: one per step, and a supervisor."""

    reception: User
    technical: User
    approver: User
    supervisor: User


def team_for(licence_type: LicenceType) -> Team:
    workflow = licence_type.workflow_definitions.get(status="PUBLISHED")
    review_step = workflow.steps.get(key="review")
    institution = licence_type.institution
    return Team(
        reception=officer("reception_officer", institution, name="Reception Officer"),
        technical=officer("technical_officer", institution, review_step.department, name="Technical Officer"),
        approver=officer("approver", institution, name="Approving Director"),
        supervisor=officer("head_of_office", institution, name="Head Of Office"),
    )


def publish_workflow(licence_type: LicenceType, steps: list[dict]) -> WorkflowDefinition:
    """Publish a new workflow version of `licence_type` with `steps` (WorkflowStep fields, `role` as a role
    code, `checklist` as a list of `mandatory` flags)."""
    version = (
        licence_type.workflow_definitions.order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    draft = WorkflowDefinitionFactory(licence_type=licence_type, version=version)
    for order, spec in enumerate(steps, start=1):
        spec = dict(spec)
        checklist = spec.pop("checklist", [])
        step = WorkflowStepFactory(
            definition=draft, order=order, role=Role.objects.get(code=spec.pop("role")), **spec
        )
        for mandatory in checklist:
            ChecklistItemFactory(step=step, mandatory=mandatory)
    return licensing_services.publish_workflow(draft)


def publish_single_level_workflow(licence_type: LicenceType) -> WorkflowDefinition:
    """One step whose role (the approver) decides: approve, reject, return, comment."""
    return publish_workflow(
        licence_type,
        [
            {
                "key": "decision",
                "role": "approver",
                "allowed_actions": ["approve", "reject", "return", "comment"],
                "sla_working_days": 5,
                "checklist": [True, False],
            }
        ],
    )


def reason(code: str = "legal-requirements-not-met") -> RejectionReason:
    seed_rejection_reasons()
    return RejectionReason.objects.get(code=code)


def act(officer_user, application: Application, action: str, **params) -> ReviewAction:
    """`take_action` with the version the officer's page would show (the current one)."""
    application.refresh_from_db()
    return services.take_action(officer_user, application, action, version=application.version, **params)


def current_task(application: Application) -> ReviewTask:
    return (
        ReviewTask.objects.select_related("step").exclude(state=TaskState.DONE).get(application=application)
    )


def mandatory_items(application: Application) -> list[int]:
    return list(current_task(application).step.checklist_items.values_list("pk", flat=True))


# --- named states -----------------------------------------------------------------------------------------


def queued(applicant, licence_type, business=None) -> Application:
    """Submitted: an open, unclaimed task at the first step."""
    return application_factories.submitted(applicant, licence_type, business)


def claimed(applicant, licence_type, business, by: User) -> Application:
    application = queued(applicant, licence_type, business)
    act(by, application, "claim")
    return application


def forwarded(applicant, licence_type, business, team: Team) -> Application:
    """Past reception: open, unclaimed, at the technical step."""
    application = claimed(applicant, licence_type, business, team.reception)
    act(team.reception, application, "forward", note="Documents look complete.")
    return application


def returned(applicant, licence_type, business, team: Team, fields=("employees",)) -> Application:
    """Returned by the technical officer, who keeps the (waiting) task."""
    application = forwarded(applicant, licence_type, business, team)
    act(team.technical, application, "claim")
    act(team.technical, application, "return", fields=list(fields), message="Check the number of employees.")
    return application


def resubmitted(applicant, licence_type, business, team: Team) -> Application:
    """Corrected and resubmitted: back with the technical officer, open."""
    application = returned(applicant, licence_type, business, team)
    correct(application, applicant)
    return application


def correct(application: Application, applicant) -> Application:
    application.refresh_from_db()
    step = application.form_definition.steps.get(key="business")
    application = application_services.save_step(
        application, applicant, step, answers={"employees": 14}, uploads={}, version=application.version
    )
    return application_services.submit(application, applicant, version=application.version)


def recommended(applicant, licence_type, business, team: Team) -> Application:
    """Recommended by the technical officer: open, unclaimed, at the approver's decision step."""
    application = resubmitted(applicant, licence_type, business, team)
    act(
        team.technical,
        application,
        "recommend",
        note="Recommend approval.",
        checklist=mandatory_items(application),
    )
    return application


def approved(applicant, licence_type, business, team: Team) -> Application:
    application = recommended(applicant, licence_type, business, team)
    act(team.approver, application, "claim")
    act(team.approver, application, "approve", checklist=mandatory_items(application), message="Approved.")
    return application


def rejected(applicant, licence_type, business, team: Team) -> Application:
    """Rejected at reception with a legal reason."""
    application = claimed(applicant, licence_type, business, team.reception)
    act(team.reception, application, "reject", reason=reason(), message="The activity needs a permit first.")
    return application


__all__ = [
    "Team",
    "act",
    "approved",
    "claimed",
    "correct",
    "current_task",
    "forwarded",
    "mandatory_items",
    "officer",
    "publish_single_level_workflow",
    "publish_workflow",
    "queued",
    "reason",
    "recommended",
    "rejected",
    "resubmitted",
    "returned",
    "team_for",
]
