"""Concurrency against the real database: threads with their own connections post at the same moment.
Conflicting decisions give exactly one decision and one history row; two claims give one holder and a clear
error for the other. (Committed data without reference data: the applications are made directly.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.utils import timezone

from accounts.models import User
from applications.models import Application, ApplicationEvent, Status
from review import sla
from review.models import ReviewAction, ReviewTask, TaskState
from review.services import ReviewError, take_action
from tests.licensing.factories import FormDefinitionFactory, LicenceTypeFactory, publish_valid_workflow
from tests.review import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _application_at(step_key: str, holder: User | None):
    licence_type = LicenceTypeFactory(fee_amount=0)
    workflow = publish_valid_workflow(licence_type)
    applicant = User.objects.create_user(username=f"applicant-{licence_type.pk}")
    now = timezone.now()
    application = Application.objects.create(
        licence_type=licence_type,
        form_definition=FormDefinitionFactory(licence_type=licence_type),
        workflow_definition=workflow,
        applicant=applicant,
        answers={},
        status=Status.REVIEWING,
        reference=f"CONC-2026-{licence_type.pk:06d}",
        submitted_at=now,
        last_submitted_at=now,
        revision=1,
    )
    step = workflow.steps.get(key=step_key)
    ReviewTask.objects.create(
        application=application,
        step=step,
        holder=holder,
        claimed_at=now if holder else None,
        due_date=sla.due_date(now, step.sla_working_days),
    )
    return application


def _race(calls):
    """Run each (officer, application, action, params) in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, officer, application, action, params):
        try:
            barrier.wait()
            outcomes[index] = take_action(officer, application, action, **params)
        except ReviewError as refused:
            outcomes[index] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_conflicting_decisions_give_one_decision_and_one_history_row():
    application = _application_at("decision", None)
    institution = application.licence_type.institution
    approver = factories.officer("approver", institution, name="First Approver")
    institution_officer = factories.officer("approver", institution, name="Second Approver")
    ReviewTask.objects.filter(application=application).update(holder=approver, claimed_at=timezone.now())
    reason = factories.reason()
    version = Application.objects.get(pk=application.pk).version
    outcomes = _race(
        [
            (approver, Application.objects.get(pk=application.pk), "approve", {"version": version}),
            (
                approver,
                Application.objects.get(pk=application.pk),
                "reject",
                {"version": version, "reason": reason},
            ),
            (
                institution_officer,
                Application.objects.get(pk=application.pk),
                "approve",
                {"version": version},
            ),
        ]
    )
    decided = [o for o in outcomes if isinstance(o, ReviewAction)]
    refused = [o for o in outcomes if isinstance(o, ReviewError)]
    assert len(decided) == 1 and len(refused) == 2
    assert {r.code for r in refused} <= {"stale", "closed", "held"}
    application.refresh_from_db()
    assert application.status == {"approve": Status.APPROVED, "reject": Status.REJECTED}[decided[0].action]
    assert ReviewAction.objects.filter(application=application).count() == 1
    assert ApplicationEvent.objects.filter(application=application, kind="STATUS").count() == 1
    assert ReviewTask.objects.get(application=application).state == TaskState.DONE


def test_two_claims_give_one_holder_and_a_clear_error():
    application = _application_at("reception", None)
    institution = application.licence_type.institution
    first = factories.officer("reception_officer", institution, name="Officer One")
    second = factories.officer("reception_officer", institution, name="Officer Two")
    version = Application.objects.get(pk=application.pk).version
    outcomes = _race(
        [
            (first, Application.objects.get(pk=application.pk), "claim", {"version": version}),
            (second, Application.objects.get(pk=application.pk), "claim", {"version": version}),
        ]
    )
    won = [o for o in outcomes if isinstance(o, ReviewAction)]
    lost = [o for o in outcomes if isinstance(o, ReviewError)]
    assert len(won) == 1 and len(lost) == 1
    holder = ReviewTask.objects.get(application=application).holder
    assert holder == won[0].officer
    assert lost[0].code == "held" and holder.full_name_en in str(lost[0].message)
    assert ReviewAction.objects.filter(application=application).count() == 1
