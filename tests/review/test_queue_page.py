"""The officer's work queues (/backoffice/review/), their landing and sidebar entry: the four tabs with their
counts, filters and search as a GET form (htmx gets the results only), 25 rows a page, nothing outside the
officer's scope, and a query count that does not grow with the rows on the page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from review.models import ReviewTask, TaskState
from tests.licensing.factories import (
    InstitutionFactory,
    LicenceTypeFactory,
    publish_valid_form,
    publish_valid_workflow,
)
from tests.review import factories

pytestmark = pytest.mark.django_db

QUEUE = "/backoffice/review/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_officer(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def references(response) -> list[str]:
    row_link = r'data-testid="queue-row">\s*<th scope="row"[^>]*><div><a [^>]*>([^<]+)</a>'
    return re.findall(row_link, response.content.decode())


def count(response, tab: str) -> int:
    return int(re.search(rf'data-testid="count-{tab}">(\d+)<', response.content.decode()).group(1))


def test_officers_land_on_their_queue_and_the_sidebar_leads_there(client, team):
    reception = as_officer(team.reception)
    response = reception.get("/backoffice/")
    assert response.status_code == 302 and response["Location"] == reverse("review:queue")
    page = reception.get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("review:queue")}"' in html and "Review queue" in html  # the sidebar item
    reasons = reverse("admin:review_rejectionreason_changelist")
    assert f'href="{reasons}"' in html  # reviewers read the legal reasons they choose from
    assert 'id="page"' in html  # inside the back-office shell

    admin = User.objects.create_superuser("root", "root@example.org", "a-long-test-password-1")
    client.force_login(admin)
    assert client.get("/backoffice/").status_code == 200  # the admin index, as before


def test_staff_without_the_review_permission_get_403_and_no_sidebar_item(service):
    client = as_officer(factories.officer("report_viewer", service.institution))
    assert client.get(QUEUE).status_code == 403
    index = client.get("/backoffice/")
    assert index.status_code == 200 and "Review queue" not in index.content.decode()
    assert reverse("admin:review_rejectionreason_changelist") not in index.content.decode()


def test_each_tab_and_its_count(applicant, business, service, team):
    waiting = factories.queued(applicant, service, business)
    mine = factories.claimed(applicant, service, business, team.reception)
    returned = factories.returned(applicant, service, business, team)
    rejected = factories.rejected(applicant, service, business, team)
    reception = as_officer(team.reception)

    page = reception.get(QUEUE)  # "mine" first when the officer holds something
    assert references(page) == [mine.reference]
    assert (count(page, "mine"), count(page, "team"), count(page, "decided")) == (1, 1, 1)
    assert 'aria-current="page"' in re.search(r'data-tab="mine"[^>]*>', page.content.decode()).group(0)
    assert references(reception.get(QUEUE, {"tab": "team"})) == [waiting.reference]
    assert references(reception.get(QUEUE, {"tab": "decided"})) == [rejected.reference]
    # the technical officer who returned it sees it waiting for the applicant, its clock paused
    technical = as_officer(team.technical).get(QUEUE, {"tab": "returned"})
    assert references(technical) == [returned.reference]
    assert "Paused: with the applicant" in technical.content.decode()
    assert count(technical, "returned") == 1


def test_each_row_shows_what_an_officer_sorts_by(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    row = re.search(
        r'data-testid="queue-row">.*?</tr>',
        as_officer(team.reception).get(QUEUE, {"tab": "team"}).content.decode(),
        re.S,
    ).group(0)
    assert f'href="{reverse("review:screen", kwargs={"public_id": application.public_id})}"' in row
    assert service.name in row and business.name in row and business.single_id in row
    assert application.review_tasks.get().step.name in row
    assert "working days left" in row or "working day left" in row


def test_overdue_filter_and_badge(applicant, business, service, team):
    late = factories.queued(applicant, service, business)
    factories.queued(applicant, service, business)
    ReviewTask.objects.filter(application=late).update(
        due_date=timezone.localdate() - datetime.timedelta(days=7)
    )
    reception = as_officer(team.reception)
    page = reception.get(QUEUE, {"tab": "team", "overdue": "on"})
    assert references(page) == [late.reference]
    assert 'data-testid="overdue"' in page.content.decode() and "Overdue by" in page.content.decode()


def test_filters_by_service_status_and_dates(applicant, business, service, team):
    other_service = LicenceTypeFactory(institution=service.institution, fee_amount=0)
    publish_valid_form(other_service)
    publish_valid_workflow(other_service)
    first = factories.queued(applicant, service, business)
    second = factories.queued(applicant, other_service, business)
    reception = as_officer(team.reception)

    assert references(reception.get(QUEUE, {"tab": "team", "service": other_service.pk})) == [
        second.reference
    ]
    submitted = reception.get(QUEUE, {"tab": "team", "status": "SUBMITTED"})
    assert set(references(submitted)) == {first.reference, second.reference}
    assert references(reception.get(QUEUE, {"tab": "team", "status": "APPROVED"})) == []
    today = timezone.localdate()
    assert len(references(reception.get(QUEUE, {"tab": "team", "submitted_from": today.isoformat()}))) == 2
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    empty = reception.get(QUEUE, {"tab": "team", "submitted_from": tomorrow})
    assert references(empty) == [] and "No application matches these filters." in empty.content.decode()


def test_search_by_reference_single_id_and_company_name(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    reception = as_officer(team.reception)
    for term in (
        application.reference,
        application.reference.lower(),
        business.single_id,
        business.name_en[:6],
    ):
        assert references(reception.get(QUEUE, {"tab": "team", "q": term})) == [application.reference], term
    assert references(reception.get(QUEUE, {"tab": "team", "q": "no such company"})) == []


def test_bad_filters_are_reported_not_a_500(applicant, business, service, team):
    factories.queued(applicant, service, business)
    reception = as_officer(team.reception)
    response = reception.get(
        QUEUE,
        {"tab": "nonsense", "submitted_from": "2026-13-45", "service": "abc", "page": "-3", "q": "x" * 300},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    response = reception.get(QUEUE, {"submitted_from": "2026-12-10", "submitted_to": "2026-12-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_htmx_gets_the_results_only(applicant, business, service, team):
    application = factories.queued(applicant, service, business)
    response = as_officer(team.reception).get(
        QUEUE, {"tab": "team", "q": business.single_id}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="page"' not in html
    assert application.reference in html and 'data-testid="queue-tabs"' in html


def test_the_queue_form_works_without_javascript(team):
    html = as_officer(team.reception).get(QUEUE).content.decode()
    form = re.search(r'<form method="get" action="/backoffice/review/".*?</form>', html, re.S).group(0)
    assert 'hx-get="/backoffice/review/"' in form and 'type="submit"' in form
    assert 'name="q"' in form and 'name="overdue"' in form and 'name="submitted_from"' in form


def test_nothing_outside_the_officers_scope(applicant, business, service, team):
    factories.queued(applicant, service, business)
    elsewhere = as_officer(factories.officer("reception_officer", InstitutionFactory()))
    page = elsewhere.get(QUEUE, {"tab": "team"})
    assert references(page) == [] and count(page, "team") == 0
    assert service.name not in page.content.decode()


def test_25_rows_a_page(applicant, business, service, team, monkeypatch):
    from review import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [factories.queued(applicant, service, business) for _ in range(3)]
    reception = as_officer(team.reception)
    first = reception.get(QUEUE, {"tab": "team"})
    second = reception.get(QUEUE, {"tab": "team", "page": 2})
    assert len(references(first)) == 2 and len(references(second)) == 1
    assert set(references(first) + references(second)) == {a.reference for a in made}
    next_link = re.search(r'href="([^"]*)" rel="next"', first.content.decode()).group(1)
    assert "tab=team" in next_link and "page=2" in next_link


def test_query_count_is_constant_in_the_rows_on_the_page(applicant, business, service, team):
    reception = as_officer(team.reception)
    factories.queued(applicant, service, business)
    reception.get(QUEUE, {"tab": "team"})  # warm the per-process caches (content types, sidebar)
    with CaptureQueriesContext(connection) as one:
        assert len(references(reception.get(QUEUE, {"tab": "team"}))) == 1
    for _ in range(4):
        factories.queued(applicant, service, business)
    claimed = factories.claimed(applicant, service, business, team.reception)
    assert claimed.review_tasks.get(state=TaskState.OPEN).holder == team.reception
    with CaptureQueriesContext(connection) as five:
        assert len(references(reception.get(QUEUE, {"tab": "team"}))) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
