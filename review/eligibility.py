"""Who may act where: an officer is eligible for a workflow step through an active assignment with the step's
role at the institution of the application's licence type, in the step's department (when it names one)
unless the assignment covers the whole institution. Permissions such as approving authority count only
through an assignment at that same institution (a role held elsewhere gives nothing here)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import OfficerAssignment
from accounts.selectors import active_assignments

APPROVE = "approve_application"
SUPERVISE = "supervise_reviewtask"


def step_assignments(step, institution_id: int) -> QuerySet[OfficerAssignment]:
    """Assignments (of any officer) that make their holder eligible for `step`."""
    department = Q(department__isnull=True)
    if step.department_id:
        department |= Q(department_id=step.department_id)
    else:
        department = Q()
    return OfficerAssignment.objects.filter(
        Q(institution__is_active=True),
        department,
        role_id=step.role_id,
        institution_id=institution_id,
        active=True,
        user__is_active=True,
    )


def is_eligible(officer, step, institution_id: int) -> bool:
    if officer is None or not getattr(officer, "is_active", False) or step.role_id is None:
        return False
    return step_assignments(step, institution_id).filter(user_id=officer.pk).exists()


def has_permission_at(officer, codename: str, institution_id: int) -> bool:
    """`review.<codename>` through a role of an active assignment at this institution."""
    return (
        active_assignments(officer)
        .filter(
            institution_id=institution_id,
            role__permissions__codename=codename,
            role__permissions__content_type__app_label="review",
        )
        .exists()
    )


def officers_with_permission_at(codename: str, institution_id: int) -> QuerySet:
    from accounts.models import User

    return User.objects.filter(
        is_active=True,
        officer_assignments__active=True,
        officer_assignments__institution_id=institution_id,
        officer_assignments__role__permissions__codename=codename,
        officer_assignments__role__permissions__content_type__app_label="review",
    ).distinct()
