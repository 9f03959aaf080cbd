"""The demo: a three-level workflow (front desk → technical department → approver) and a single-level one,
each step with an eligible demo officer, and the demo applicant's applications moved on by demo officers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.selectors import user_by_personal_code
from applications.models import Status
from licensing.models import DefinitionStatus, WorkflowDefinition
from review import eligibility
from review.models import ReviewAction

pytestmark = pytest.mark.django_db


def _steps(code):
    workflow = WorkflowDefinition.objects.get(licence_type__code=code, status=DefinitionStatus.PUBLISHED)
    return workflow, list(workflow.steps.select_related("role", "department").order_by("order"))


def test_demo_workflows_have_an_eligible_officer_at_every_step(reference_data):
    call_command("seed_demo_data", stdout=StringIO())
    three, steps = _steps("MOC-CR-002")
    assert [s.role.code for s in steps] == ["reception_officer", "technical_officer", "approver"]
    assert steps[1].department is not None and steps[0].department is None
    _single, (only,) = _steps("MOC-BN-001")
    assert only.role.code == "approver" and {"approve", "reject", "return", "comment"} <= set(
        only.allowed_actions
    )
    institution = three.licence_type.institution_id
    for step in [*steps, only]:
        assert eligibility.step_assignments(step, institution).exists(), step.key
    head = user_by_personal_code("OFF-MOC-004")
    assert eligibility.has_permission_at(head, eligibility.SUPERVISE, institution)
    assert eligibility.has_permission_at(
        user_by_personal_code("OFF-MOC-003"), eligibility.APPROVE, institution
    )
    # the demo applicant's applications: one under review, one returned, through the review's own path
    actions = ReviewAction.objects.values_list("action", "application__status")
    assert ("claim", Status.REVIEWING) in actions
    assert ("return", Status.RETURNED) in actions
    # the third goes through the technical review and the MISTI approver's decision to approval
    approve = ReviewAction.objects.select_related("officer", "application").get(action="approve")
    assert approve.application.status == Status.APPROVED
    assert approve.officer == user_by_personal_code("OFF-MISTI-003")
    assert ReviewAction.objects.filter(application=approve.application, action="forward").exists()
    call_command("seed_demo_data", stdout=StringIO())  # idempotent
    assert ReviewAction.objects.count() == len(actions)
