"""The work queues: which task is in which queue, filters, search, counts, scope (404, never in a count),
and a query count that does not grow with the rows on the page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Status
from review import selectors
from review.models import ReviewTask, TaskState
from tests.licensing.factories import (
    InstitutionFactory,
    LicenceTypeFactory,
    publish_valid_form,
    publish_valid_workflow,
)
from tests.registry.factories import BusinessFactory
from tests.review import factories
from tests.review.factories import current_task

pytestmark = pytest.mark.django_db


def _ids(queryset):
    return {task.application_id for task in queryset}


def test_each_queue_holds_what_its_name_says(applicant, business, service, team):
    unclaimed = factories.queued(applicant, service, business)
    mine = factories.claimed(applicant, service, business, team.reception)
    waiting = factories.returned(applicant, service, business, team)
    decided = factories.rejected(applicant, service, business, team)
    reception = team.reception
    assert _ids(selectors.queue(reception, "team")) == {unclaimed.pk}
    assert _ids(selectors.queue(reception, "mine")) == {mine.pk}
    assert _ids(selectors.queue(reception, "returned")) == set()  # returned at the technical step
    assert _ids(selectors.queue(team.technical, "returned")) == {waiting.pk}
    assert _ids(selectors.queue(reception, "decided")) == {decided.pk}
    assert selectors.queue_counts(reception) == {"mine": 1, "team": 1, "returned": 0, "decided": 1}
    assert selectors.queue_counts(team.technical) == {"mine": 0, "team": 0, "returned": 1, "decided": 0}
    assert selectors.queue_counts(team.approver) == {"mine": 0, "team": 0, "returned": 0, "decided": 0}


def test_filters(applicant, business, service, team):
    old = factories.queued(applicant, service, business)
    new = factories.claimed(applicant, service, business, team.reception)
    from applications.models import Application

    Application.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=20))
    ReviewTask.objects.filter(application=old).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    reception = team.reception
    assert _ids(selectors.queue(reception, "team", overdue=True)) == {old.pk}
    assert _ids(selectors.queue(reception, "mine", overdue=True)) == set()
    since = timezone.localdate() - datetime.timedelta(days=5)
    assert _ids(selectors.queue(reception, "team", submitted_from=since)) == set()
    assert _ids(selectors.queue(reception, "team", submitted_to=since)) == {old.pk}
    assert _ids(selectors.queue(reception, "mine", status=Status.REVIEWING)) == {new.pk}
    assert _ids(selectors.queue(reception, "mine", status=Status.SUBMITTED)) == set()
    assert _ids(selectors.queue(reception, "mine", service=service.pk)) == {new.pk}
    assert _ids(selectors.queue(reception, "mine", service=service.pk + 1000)) == set()


def test_search_by_reference_single_id_and_company_name(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    other_business = BusinessFactory(name_en="Mekong River Trading", name_km="ក្រុមហ៊ុន មេគង្គ")
    reception = team.reception
    application.refresh_from_db()
    for term in (
        application.reference,
        application.reference[:-2],
        business.single_id,
        business.name_en[:8].lower(),
    ):
        assert _ids(selectors.queue(reception, "team", search=term)) == {application.pk}, term
    assert _ids(selectors.queue(reception, "team", search=business.name_km[:6])) == {application.pk}
    assert _ids(selectors.queue(reception, "team", search=other_business.single_id)) == set()
    assert _ids(selectors.queue(reception, "team", search="Mekong")) == set()


def test_an_officer_never_sees_outside_their_scope(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    elsewhere = factories.officer("reception_officer", InstitutionFactory())
    assert selectors.queue_counts(elsewhere) == {"mine": 0, "team": 0, "returned": 0, "decided": 0}
    assert not selectors.queue(elsewhere, "team").exists()
    with pytest.raises(Http404):
        selectors.task_for_review(elsewhere, application.public_id)
    with pytest.raises(Http404):
        selectors.task_for_review(team.reception, "not-a-uuid")
    assert selectors.task_for_review(team.reception, application.public_id) == current_task(application)
    assert selectors.task_for_review(team.approver, application.public_id).step.key == "reception"


def test_a_department_officer_sees_only_their_department(applicant, business, service, team):
    """The licence type belongs to a department: an officer limited to another department gets a 404."""
    from tests.licensing.factories import DepartmentFactory

    department = DepartmentFactory(institution=service.institution)
    other = DepartmentFactory(institution=service.institution)
    service.department = department
    service.save()
    application = factories.queued(applicant, service, business)
    outsider = factories.officer("technical_officer", service.institution, other)
    with pytest.raises(Http404):
        selectors.task_for_review(outsider, application.public_id)
    insider = factories.officer("technical_officer", service.institution, department)
    assert selectors.task_for_review(insider, application.public_id)


def test_the_decided_task_is_found_after_the_decision(applicant, business, service, team):
    application = factories.rejected(applicant, service, business, team)
    task = selectors.task_for_review(team.reception, application.public_id)
    assert task.outcome == "reject"
    assert not selectors.can_act(team.reception, task)


def test_the_screen_gets_the_open_task_not_a_finished_one(applicant, business, service, team):
    """After a forward the application has a finished task (reception) and an open one (technical review):
    the screen shows the open one. Once decided, it shows the last task, not the first."""
    application = factories.forwarded(applicant, service, business, team)
    task = selectors.task_for_review(team.technical, application.public_id)
    assert (task.step.key, task.state) == ("review", TaskState.OPEN)

    decided = factories.approved(applicant, service, business, team)
    last = selectors.task_for_review(team.approver, decided.public_id)
    assert (last.step.key, last.state, last.outcome) == ("decision", TaskState.DONE, "approve")


def _read_page(officer):
    rows = selectors.with_time_left(selectors.queue(officer, "team"))
    for task in rows:
        (
            task.application.reference,
            task.application.licence_type.name,
            task.application.business.name,
            task.application.service,
            task.step.name,
            task.holder,
            task.time_left,
        )
    return rows


def test_the_queue_costs_the_same_queries_for_1_or_30_rows(applicant, business, reference_data):
    licence_type = LicenceTypeFactory(fee_amount=0)
    publish_valid_form(licence_type)
    publish_valid_workflow(licence_type)
    reception = factories.officer("reception_officer", licence_type.institution)
    factories.queued(applicant, licence_type, business)

    def measure():
        officer = type(reception).objects.get(pk=reception.pk)  # a fresh request's user
        with CaptureQueriesContext(connection) as one_page:
            rows = _read_page(officer)
            selectors.queue_counts(officer)
        return len(rows), len(one_page.captured_queries)

    rows, few = measure()
    assert rows == 1
    for _ in range(29):
        factories.queued(applicant, licence_type, business)
    rows, many = measure()
    assert rows == 30
    # scope assignments, eligibility assignments, the steps of my institutions, page, holidays (one read for
    # the page), counts
    assert many == few <= 6
