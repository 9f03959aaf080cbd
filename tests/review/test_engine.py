"""The review engine at service level: the three-level and single-level paths, version pinning, the timeline
the applicant reads (no internal note), history and audit rows."""

from __future__ import annotations

import pytest

from applications.models import ApplicationEvent, Status
from esb.models import AuditEvent
from licensing import services as licensing_services
from review import selectors
from review.models import InternalNote, ReviewAction, ReviewTask, TaskState
from tests.licensing.factories import valid_workflow_draft
from tests.review import factories
from tests.review.factories import act, current_task, mandatory_items

pytestmark = pytest.mark.django_db


def test_submission_opens_a_task_at_the_first_step_of_the_pinned_workflow(applicant, business, service):
    application = factories.queued(applicant, service, business)
    task = current_task(application)
    assert application.workflow_definition.status == "PUBLISHED"
    assert application.workflow_definition.licence_type == service
    assert (task.step.key, task.state, task.holder) == ("reception", TaskState.OPEN, None)
    assert task.step.definition_id == application.workflow_definition_id


def test_the_three_level_path(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    act(team.reception, application, "claim")
    application.refresh_from_db()
    assert application.status == Status.REVIEWING
    act(team.reception, application, "comment", note="Internal: the manager called us.")
    act(team.reception, application, "forward")
    assert current_task(application).step.key == "review"
    act(team.technical, application, "claim")
    act(team.technical, application, "return", fields=["employees"], message="Check the number of employees.")
    application.refresh_from_db()
    waiting = ReviewTask.objects.get(application=application, state=TaskState.WAITING)
    assert application.status == Status.RETURNED and waiting.holder == team.technical
    factories.correct(application, applicant)
    back = current_task(application)
    assert (back.pk, back.state, back.holder) == (waiting.pk, TaskState.OPEN, team.technical)
    act(
        team.technical,
        application,
        "recommend",
        note="Recommend approval.",
        checklist=mandatory_items(application),
    )
    assert current_task(application).step.key == "decision"
    act(team.approver, application, "claim")
    act(team.approver, application, "approve", message="Congratulations.")
    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.decided_at
    assert not ReviewTask.objects.filter(application=application).exclude(state=TaskState.DONE).exists()
    last = ReviewTask.objects.filter(application=application).order_by("-reached_at").first()
    assert last.outcome == "approve"
    actions = list(ReviewAction.objects.filter(application=application).values_list("action", flat=True))
    assert actions == ["claim", "comment", "forward", "claim", "return", "recommend", "claim", "approve"]
    # The applicant's timeline: every public step, none of the internal notes.
    timeline = list(ApplicationEvent.objects.filter(application=application).order_by("at", "id"))
    assert [e.title_en for e in timeline] == [
        "Application started",
        "Application submitted",
        "Received by the institution and under review",
        "Forwarded to the next officer",
        "Returned to you for correction",
        "Corrected application resubmitted",
        "Received by the institution and under review",
        "Forwarded to the next officer",
        "Approved",
    ]
    assert not any("Internal" in e.message or e.internal_note for e in timeline)
    assert InternalNote.objects.filter(application=application).count() == 2
    assert AuditEvent.objects.filter(object_id=str(application.pk), action__startswith="review.").count() == 8
    assert applicant.notifications.filter(title_en="Approved").exists()
    entries = selectors.history(application)
    assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)
    assert any(entry.note == "Internal: the manager called us." for entry in entries)


def test_the_single_level_path(applicant, business, service):
    single = factories.publish_single_level_workflow(service)
    approver = factories.officer("approver", service.institution)
    application = factories.queued(applicant, service, business)
    assert application.workflow_definition == single
    assert current_task(application).step.key == "decision"
    act(approver, application, "claim")
    required = (
        current_task(application).step.checklist_items.filter(mandatory=True).values_list("pk", flat=True)
    )
    act(approver, application, "approve", checklist=list(required))
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_rejection_records_the_legal_reason_for_the_applicant(applicant, business, service, team):
    application = factories.rejected(applicant, service, business, team)
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    action = ReviewAction.objects.get(application=application, action="reject")
    assert action.reason.code == "legal-requirements-not-met"
    event = ApplicationEvent.objects.get(application=application, to_status=Status.REJECTED)
    assert event.message.startswith(action.reason.label_km)  # the applicant reads Khmer by default
    assert "needs a permit first" in event.message


def test_forward_to_a_chosen_later_step(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    decision = application.workflow_definition.steps.get(key="decision")
    act(team.reception, application, "forward", to_step=decision.pk)
    assert current_task(application).step == decision


def test_an_application_follows_its_pinned_workflow_after_a_new_version(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    pinned = application.workflow_definition
    newer = valid_workflow_draft(service, version=2)
    newer.steps.filter(key="review").delete()  # version 2 skips the technical step
    licensing_services.publish_workflow(newer)
    act(team.reception, application, "forward")
    task = current_task(application)
    assert task.step.key == "review" and task.step.definition == pinned
    later = factories.queued(applicant, service, business)
    assert later.workflow_definition == newer


def test_release_and_supervisor_reassignment(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    act(team.reception, application, "release")
    assert current_task(application).holder is None
    colleague = factories.officer("reception_officer", service.institution)
    act(team.supervisor, application, "reassign", assignee=colleague)
    assert current_task(application).holder == colleague
    assert colleague.notifications.filter(title_en="An application was assigned to you for review").exists()


def test_history_rows_cannot_be_changed(applicant, business, service, team):
    from django.db import IntegrityError, transaction

    application = factories.claimed(applicant, service, business, team.reception)
    action = ReviewAction.objects.get(application=application)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAction.objects.filter(pk=action.pk).update(note="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAction.objects.filter(pk=action.pk).delete()
