"""What the review screen offers (selectors): the actions for this officer now, forward targets, reassignment
candidates and the rejection reasons — a guide for the page; take_action still decides."""

from __future__ import annotations

import pytest

from review import selectors
from tests.review import factories
from tests.review.factories import current_task

pytestmark = pytest.mark.django_db


def test_actions_follow_the_holder_the_step_and_the_authority(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    task = current_task(application)
    assert selectors.available_actions(team.reception, task) == ["claim"]
    assert selectors.available_actions(team.technical, task) == []
    assert selectors.available_actions(team.supervisor, task) == ["reassign"]
    factories.act(team.reception, application, "claim")
    task = current_task(application)
    assert selectors.available_actions(team.reception, task) == [
        "release",
        "forward",
        "return",
        "reject",
        "comment",
    ]
    assert [s.key for s in selectors.forward_targets(task)] == ["review", "decision"]
    assert set(selectors.reassign_candidates(task)) == {team.reception}


def test_approve_is_offered_only_with_the_authority_at_the_final_step(applicant, business, service, team):
    application = factories.recommended(applicant, service, business, team)
    factories.act(team.approver, application, "claim")
    task = current_task(application)
    assert "approve" in selectors.available_actions(team.approver, task)
    assert selectors.forward_targets(task) == []


def test_waiting_and_decided_applications_offer_little(applicant, business, service, team):
    waiting = factories.returned(applicant, service, business, team)
    task = current_task(waiting)
    assert selectors.available_actions(team.technical, task) == ["comment"]
    decided = factories.rejected(applicant, service, business, team)
    assert (
        selectors.available_actions(
            team.reception, selectors.task_for_review(team.reception, decided.public_id)
        )
        == []
    )
    assert factories.reason().code in {r.code for r in selectors.rejection_reasons()}
