"""Every refused move: a clear message, a stable code, and nothing written (task, history, application,
timeline, audit, notifications all as they were)."""

from __future__ import annotations

import pytest

from applications.models import ApplicationEvent
from esb.models import AuditEvent
from notifications.models import Notification
from review.models import InternalNote, ReviewAction, ReviewTask
from review.services import ReviewError, take_action
from tests.licensing.factories import DepartmentFactory, InstitutionFactory
from tests.review import factories
from tests.review.factories import act, current_task

pytestmark = pytest.mark.django_db


def _snapshot(application):
    application.refresh_from_db()
    tasks = list(ReviewTask.objects.filter(application=application).order_by("pk").values())
    return (
        application.status,
        application.version,
        tasks,
        ReviewAction.objects.count(),
        InternalNote.objects.count(),
        ApplicationEvent.objects.filter(application=application).count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def refused(officer, application, action, code, *, version=None, **params) -> str:
    before = _snapshot(application)
    with pytest.raises(ReviewError) as caught:
        take_action(
            officer,
            application,
            action,
            version=application.version if version is None else version,
            **params,
        )
    assert caught.value.code == code, caught.value.message
    assert _snapshot(application) == before
    return str(caught.value.message)


def test_wrong_role(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    message = refused(team.technical, application, "claim", "not_eligible")
    assert "Receive" in message or "step" in message


def test_wrong_institution(applicant, business, service):
    elsewhere = factories.officer("reception_officer", InstitutionFactory())
    application = factories.queued(applicant, service, business)
    refused(elsewhere, application, "claim", "not_eligible")


def test_wrong_department(applicant, business, service, team):
    application = factories.forwarded(applicant, service, business, team)
    other_department = DepartmentFactory(institution=service.institution)
    outsider = factories.officer("technical_officer", service.institution, other_department)
    refused(outsider, application, "claim", "not_eligible")
    # an assignment covering the whole institution may act at a department's step
    whole = factories.officer("technical_officer", service.institution)
    act(whole, application, "claim")


def test_unclaimed(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    assert "Claim" in refused(team.reception, application, "forward", "unclaimed")


def test_held_by_someone_else(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    colleague = factories.officer("reception_officer", service.institution, name="Second Colleague")
    assert "Reception Officer" in refused(colleague, application, "claim", "held")
    assert "Reception Officer" in refused(colleague, application, "comment", "held", note="x")


def test_stale_version(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    application.refresh_from_db()
    old_version = application.version - 1
    message = refused(team.reception, application, "forward", "stale", version=old_version)
    assert "Reload" in message


def test_decision_without_the_mandatory_checklist(applicant, business, service, team):
    application = factories.resubmitted(applicant, service, business, team)
    message = refused(team.technical, application, "recommend", "checklist", note="Recommend approval.")
    assert current_task(application).step.checklist_items.get().label in message


def test_return_and_reject_do_not_need_the_checklist(applicant, business, service, team):
    application = factories.resubmitted(applicant, service, business, team)
    act(team.technical, application, "return", fields=["employees"], message="Still wrong.")


def test_approve_at_a_non_final_step(applicant, business, service, team):
    # Publishing refuses "approve" on a step that other steps follow; the engine checks it again (not_final)
    # behind the step's allowed actions.
    application = factories.claimed(applicant, service, business, team.reception)
    refused(team.reception, application, "approve", "not_allowed")
    approver_at_reception = factories.officer("approver", service.institution)
    refused(approver_at_reception, application, "approve", "not_eligible")


def test_the_engine_itself_refuses_approval_before_the_last_step(applicant, business, service, team):
    from review import services

    application = factories.claimed(applicant, service, business, team.reception)
    step = current_task(application).step
    step.allowed_actions = [*step.allowed_actions, "approve"]  # as if configuration had let it through
    context = services._Context(team.reception, application, current_task(application), "approve", 0)
    context.task.step = step
    application.refresh_from_db()
    context.version = application.version
    with pytest.raises(ReviewError) as caught:
        services._check(context, None)
    assert caught.value.code == "not_final"


def _head_of_office_decides(service):
    factories.publish_workflow(
        service, [{"key": "decision", "role": "head_of_office", "allowed_actions": ["approve", "reject"]}]
    )


def test_approve_without_approving_authority(applicant, business, service, team):
    _head_of_office_decides(service)
    application = factories.claimed(applicant, service, business, team.supervisor)
    assert "approving authority" in refused(team.supervisor, application, "approve", "no_authority")


def test_approving_authority_counts_only_at_its_own_institution(applicant, business, service, team):
    from accounts.models import OfficerAssignment, Role

    _head_of_office_decides(service)
    OfficerAssignment.objects.create(
        user=team.supervisor, role=Role.objects.get(code="approver"), institution=InstitutionFactory()
    )
    application = factories.claimed(applicant, service, business, team.supervisor)
    refused(team.supervisor, application, "approve", "no_authority")


def test_act_on_a_decided_application(applicant, business, service, team):
    application = factories.rejected(applicant, service, business, team)
    for action in ("claim", "comment", "approve", "reject"):
        assert "nothing more" in refused(team.reception, application, action, "closed", note="x")


def test_act_on_a_withdrawn_application(applicant, business, service, team):
    from applications import services as application_services

    application = factories.claimed(applicant, service, business, team.reception)
    application_services.withdraw(application, applicant, reason="changed my mind")
    refused(team.reception, application, "forward", "closed")
    # the withdrawal closed the held task: in nobody's queue, never overdue, no officer outcome
    from review.models import ReviewTask, TaskState

    (task,) = ReviewTask.objects.filter(application=application)
    assert task.state == TaskState.DONE and task.outcome == "" and task.completed_at is not None


def test_reject_without_a_reason(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    assert "reason" in refused(team.reception, application, "reject", "no_reason", message="no")
    retired = factories.reason("duplicate-application")
    retired.active = False
    retired.save()
    refused(team.reception, application, "reject", "no_reason", reason=retired.pk)


def test_action_the_step_does_not_allow(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    refused(team.reception, application, "recommend", "not_allowed", note="x")


def test_return_needs_fields_and_a_message(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    refused(team.reception, application, "return", "no_fields", message="Fix it.")
    refused(team.reception, application, "return", "no_message", fields=["employees"])


def test_nothing_but_a_comment_while_waiting_for_the_applicant(applicant, business, service, team):
    application = factories.returned(applicant, service, business, team)
    assert "with the applicant" in refused(team.technical, application, "recommend", "waiting", note="x")
    # a comment is allowed and does not make the applicant's correction page stale
    application.refresh_from_db()
    version = application.version
    act(team.technical, application, "comment", note="Phoned the applicant.")
    application.refresh_from_db()
    assert application.version == version


def test_reassign_needs_a_supervisor_and_an_eligible_officer(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    colleague = factories.officer("reception_officer", service.institution)
    refused(team.reception, application, "reassign", "not_supervisor", assignee=colleague)
    refused(team.supervisor, application, "reassign", "bad_assignee", assignee=team.technical)


def test_claiming_twice(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    refused(team.reception, application, "claim", "already_held")
