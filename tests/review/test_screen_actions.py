"""The decision panel of the review screen, through the views: claim, release, reassign, and the step's
actions posted to `take_action` with the page's version. A refusal shows the page again with the officer's
text kept (409 when someone else acted first, 400 for something to fix); a success redirects; a GET never
changes anything; the CSRF token is required."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import ApplicationEvent, Status
from review.models import InternalNote, ReviewAction, TaskState
from tests.licensing.factories import InstitutionFactory
from tests.review import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_officer(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def screen_url(application) -> str:
    return reverse("review:screen", kwargs={"public_id": application.public_id})


def act_url(application) -> str:
    return reverse("review:act", kwargs={"public_id": application.public_id})


def post(client, application, action, **data):
    application.refresh_from_db()
    return client.post(act_url(application), {"action": action, "version": application.version, **data})


def panel(response) -> str:
    html = response.content.decode()
    match = re.search(r'data-testid="decision-panel".*?</section>', html, re.S)
    assert match, "no decision panel"
    return match.group(0)


def test_claim_then_forward_through_the_panel(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    reception = as_officer(team.reception)

    before = panel(reception.get(screen_url(application)))
    assert 'data-testid="claim"' in before and 'data-testid="do-forward"' not in before

    response = post(reception, application, "claim")
    assert response.status_code == 302 and response["Location"] == screen_url(application)
    page = reception.get(screen_url(application))
    assert "You have claimed this application." in page.content.decode()
    held = panel(page)
    assert 'data-testid="release"' in held and 'data-testid="do-forward"' in held
    assert "Reception Officer (you)" in held

    response = post(reception, application, "forward", note="ID card checked against the register.")
    assert response.status_code == 302
    task = factories.current_task(application)
    assert task.step.key == "review" and task.holder is None
    assert InternalNote.objects.get(application=application).body == "ID card checked against the register."
    page = reception.get(screen_url(application)).content.decode()
    assert "Forwarded to the step" in page
    assert "ID card checked against the register." in re.search(
        r'data-testid="internal-notes".*?</section>', page, re.S
    ).group(0)


def test_messages_to_the_applicant_and_internal_notes_are_different_fields(
    applicant, business, service, team
):
    application = factories.forwarded(applicant, service, business, team)
    technical = as_officer(team.technical)
    post(technical, application, "claim")
    html = panel(technical.get(screen_url(application)))
    return_form = re.search(r'data-action="return".*?</details>', html, re.S).group(0)
    assert 'class="rv-to-applicant"' in return_form and 'name="message"' in return_form
    assert 'class="rv-internal-field"' in return_form and 'name="note"' in return_form
    assert "The applicant reads this" in return_form and "officers only" in return_form
    # the mandatory checklist item of the technical step is offered with the recommendation
    recommend_form = re.search(r'data-action="recommend".*?</details>', html, re.S).group(0)
    assert 'name="checklist"' in recommend_form and "required" in recommend_form


def test_return_for_correction_with_fields_and_message(applicant, business, service, team):
    application = factories.forwarded(applicant, service, business, team)
    technical = as_officer(team.technical)
    post(technical, application, "claim")
    response = post(
        technical,
        application,
        "return",
        correct=["employees"],
        message="Give the number on your payroll.",
        note="Payroll shows 15.",
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RETURNED and application.correction_fields == ["employees"]
    event = application.events.get(to_status=Status.RETURNED)
    assert event.message == "Give the number on your payroll." and "Payroll" not in event.message


def test_a_missing_required_field_is_400_and_keeps_what_was_typed(applicant, business, service, team):
    application = factories.forwarded(applicant, service, business, team)
    technical = as_officer(team.technical)
    post(technical, application, "claim")
    actions = ReviewAction.objects.count()
    response = post(technical, application, "return", note="Check the payroll first.", correct=["employees"])
    assert response.status_code == 400
    html = panel(response)
    assert "Tell the applicant what to correct." in html
    return_form = re.search(r'data-action="return" open.*?</details>', html, re.S).group(0)
    assert "Check the payroll first.</textarea>" in return_form
    assert re.search(r'value="employees" checked', return_form)
    assert ReviewAction.objects.count() == actions


def test_recommend_without_the_mandatory_checklist_is_refused_and_text_kept(
    applicant, business, service, team
):
    application = factories.forwarded(applicant, service, business, team)
    technical = as_officer(team.technical)
    post(technical, application, "claim")
    response = post(technical, application, "recommend", note="Recommend approval: premises fine.")
    assert response.status_code == 400
    html = panel(response)
    assert "Tick every mandatory checklist item first" in html
    assert "Recommend approval: premises fine.</textarea>" in html
    assert factories.current_task(application).step.key == "review"

    response = post(
        technical,
        application,
        "recommend",
        note="Recommend approval: premises fine.",
        checklist=factories.mandatory_items(application),
    )
    assert response.status_code == 302
    assert factories.current_task(application).step.key == "decision"


def test_reject_with_a_legal_reason(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    reason = factories.reason()
    reception = as_officer(team.reception)
    assert reason.label in panel(reception.get(screen_url(application)))
    response = post(reception, application, "reject", reason=reason.pk, message="A permit is needed first.")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert "The review of this application is finished." in panel(reception.get(screen_url(application)))


def test_approve_at_the_final_step(applicant, business, service, team):
    application = factories.recommended(applicant, service, business, team)
    approver = as_officer(team.approver)
    post(approver, application, "claim")
    response = post(
        approver, application, "approve", checklist=factories.mandatory_items(application), message="Welcome."
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_comment_is_internal(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    reception = as_officer(team.reception)
    assert post(reception, application, "comment", note="Called the applicant.").status_code == 302
    notes = re.search(
        r'data-testid="internal-notes".*?</section>',
        reception.get(screen_url(application)).content.decode(),
        re.S,
    ).group(0)
    assert "Called the applicant." in notes
    portal = as_officer(applicant).get(
        reverse("applications:detail", kwargs={"public_id": application.public_id})
    )
    assert portal.status_code == 200
    assert "Called the applicant." not in portal.content.decode()


def test_a_stale_page_is_409_with_the_text_kept_and_nothing_written(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    reception = as_officer(team.reception)
    application.refresh_from_db()
    loaded = application.version
    factories.act(team.reception, application, "comment", note="Written in another tab.")
    actions = ReviewAction.objects.count()
    response = reception.post(
        act_url(application),
        {"action": "forward", "version": loaded, "note": "My careful forwarding note."},
    )
    assert response.status_code == 409
    html = panel(response)
    assert "Someone acted on this application since you opened it" in html
    assert "My careful forwarding note.</textarea>" in html
    application.refresh_from_db()
    assert f'name="version" value="{application.version}"' in html  # the page now shows the current state
    assert ReviewAction.objects.count() == actions


def test_two_officers_one_wins_the_other_keeps_what_they_typed(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    colleague = factories.officer("reception_officer", service.institution, name="Second Receptionist")
    first, second = as_officer(team.reception), as_officer(colleague)
    application.refresh_from_db()
    version = application.version  # both loaded the page now

    assert first.post(act_url(application), {"action": "claim", "version": version}).status_code == 302
    response = second.post(act_url(application), {"action": "claim", "version": version})
    assert response.status_code == 409
    assert "Reception Officer has already claimed this application." in panel(response)

    # Second had typed a comment on a page where they held nothing: refused, the text is shown to copy.
    response = second.post(
        act_url(application), {"action": "comment", "version": version, "note": "Do not lose this."}
    )
    assert response.status_code == 409
    kept = re.search(r'data-testid="kept-text".*?</div>', panel(response), re.S).group(0)
    assert "Do not lose this.</textarea>" in kept
    assert factories.current_task(application).holder == team.reception


def test_supervisor_reassigns(applicant, business, service, team):
    application = factories.claimed(applicant, service, business, team.reception)
    colleague = factories.officer("reception_officer", service.institution, name="Second Receptionist")
    supervisor = as_officer(team.supervisor)
    html = panel(supervisor.get(screen_url(application)))
    assert 'data-testid="reassign-form"' in html and "Second Receptionist" in html
    assert 'data-testid="reassign-form"' not in panel(as_officer(team.reception).get(screen_url(application)))
    response = post(supervisor, application, "reassign", assignee=colleague.pk)
    assert response.status_code == 302
    assert factories.current_task(application).holder == colleague


def test_a_get_never_changes_anything(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    reception = as_officer(team.reception)
    application.refresh_from_db()
    version = application.version
    assert reception.get(act_url(application) + "?action=claim&version=1").status_code == 405
    assert reception.get(screen_url(application)).status_code == 200
    application.refresh_from_db()
    assert application.version == version and application.status == Status.SUBMITTED
    assert not ReviewAction.objects.exists()
    assert factories.current_task(application).holder is None


def test_the_csrf_token_is_required(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.reception)
    application.refresh_from_db()
    response = client.post(act_url(application), {"action": "claim", "version": application.version})
    assert response.status_code == 403
    assert factories.current_task(application).holder is None


def test_out_of_scope_officer_cannot_post(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    elsewhere = as_officer(factories.officer("reception_officer", InstitutionFactory()))
    assert post(elsewhere, application, "claim").status_code == 404
    assert factories.current_task(application).holder is None


def test_waiting_application_offers_only_a_comment_to_its_holder(applicant, business, service, team):
    application = factories.returned(applicant, service, business, team)
    html = panel(as_officer(team.technical).get(screen_url(application)))
    assert factories.current_task(application).state == TaskState.WAITING
    assert 'data-testid="do-comment"' in html and 'data-testid="do-return"' not in html
    assert "Paused: with the applicant" in html
    assert ApplicationEvent.objects.filter(application=application, to_status=Status.RETURNED).exists()
