"""The statements a queue page and a review screen run do not depend on how much is on them: the same for 1
and 25 rows on every tab and with each kind of search, and the same for an application with 1 and with 3
submitted versions. (At a million applications bench/review_queue.py measures the time; this is its
guard.)"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from review import selectors
from review.models import ReviewTask, TaskState
from review.pagination import CappedPaginator
from tests.review import factories

pytestmark = pytest.mark.django_db

QUEUE = "/backoffice/review/"
ROW = re.compile(r'data-testid="queue-row"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_officer(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def measure(client: Client, params: dict) -> tuple[int, int]:
    """(rows on the page, statements run) of one queue request."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return len(ROW.findall(response.content.decode())), len(captured)


def _mine(applicant, service, business, team):
    return factories.claimed(applicant, service, business, team.reception)


def _team(applicant, service, business, team):
    return factories.queued(applicant, service, business)


def _returned(applicant, service, business, team):
    return factories.returned(applicant, service, business, team)


def _decided(applicant, service, business, team):
    return factories.rejected(applicant, service, business, team)


# (tab, the officer who sees it, how to make one of its rows)
TABS = [
    ("mine", "reception", _mine),
    ("team", "reception", _team),
    ("returned", "technical", _returned),
    ("decided", "reception", _decided),
]


@pytest.mark.parametrize(("tab", "who", "make"), TABS, ids=[tab for tab, _w, _m in TABS])
def test_every_tab_runs_the_same_statements_for_1_and_25_rows(
    applicant, business, service, team, tab, who, make
):
    client = as_officer(getattr(team, who))
    make(applicant, service, business, team)
    client.get(QUEUE, {"tab": tab})  # warm the per-process caches (content types, sidebar)
    rows, one = measure(client, {"tab": tab})
    assert rows == 1
    for _ in range(24):
        make(applicant, service, business, team)
    rows, many = measure(client, {"tab": tab})
    assert rows == 25
    assert many == one


def test_searches_and_filters_run_the_same_statements_for_1_and_25_rows(applicant, business, service, team):
    client = as_officer(team.reception)
    first = factories.queued(applicant, service, business)
    searches = {
        "reference prefix": {"tab": "team", "q": first.reference[:6]},
        "Single ID": {"tab": "team", "q": business.single_id},
        "company name": {"tab": "team", "q": business.name_en.split()[0]},
        "service and overdue filters": {"tab": "team", "service": service.pk, "overdue": ""},
    }
    client.get(QUEUE, {"tab": "team"})
    before = {name: measure(client, params) for name, params in searches.items()}
    assert all(rows == 1 for rows, _queries in before.values()), before
    for _ in range(24):
        factories.queued(applicant, service, business)
    after = {name: measure(client, params) for name, params in searches.items()}
    assert all(rows == 25 for rows, _queries in after.values()), after
    assert {name: queries for name, (_rows, queries) in after.items()} == {
        name: queries for name, (_rows, queries) in before.items()
    }


def test_the_last_page_runs_the_same_statements_as_the_first(applicant, business, service, team, monkeypatch):
    from review import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(5):
        factories.queued(applicant, service, business)
    client = as_officer(team.reception)
    client.get(QUEUE, {"tab": "team"})
    rows_first, first = measure(client, {"tab": "team"})
    rows_last, last = measure(client, {"tab": "team", "page": 3})
    assert (rows_first, rows_last) == (2, 1)
    assert last == first


def test_counts_stop_at_the_cap_and_the_page_says_so(applicant, business, service, team, monkeypatch):
    from review import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(5):
        factories.queued(applicant, service, business)
    response = as_officer(team.reception).get(QUEUE, {"tab": "team"})
    html = response.content.decode()
    assert 'data-testid="count-team">3+<' in html
    assert "More than 3 applications" in html
    assert len(ROW.findall(html)) == 3  # the first 3 (a page of 25 would hold all 5)
    assert selectors.queue_counts(team.reception, cap=3)["team"] == 4  # "more than 3"
    paginator = CappedPaginator(selectors.queue(team.reception, "team"), 2, cap=3)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (4, True, 2)
    assert [len(paginator.page(n).object_list) for n in (1, 2)] == [2, 1]


def test_the_review_screen_runs_the_same_statements_for_1_and_3_versions(applicant, business, service, team):
    client = as_officer(team.technical)
    single = factories.forwarded(applicant, service, business, team)
    factories.act(team.technical, single, "claim")
    corrected = factories.resubmitted(applicant, service, business, team)  # version 2, held by technical
    factories.act(team.technical, corrected, "return", fields=["employees"], message="Once more, please.")
    factories.correct(corrected, applicant)  # version 3
    corrected.refresh_from_db()
    assert (single.revisions.count(), corrected.revisions.count()) == (1, 3)

    def screen(application) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{QUEUE}{application.public_id}/")
        assert response.status_code == 200
        return len(captured)

    screen(single)  # warm
    assert screen(corrected) == screen(single)


def _parts_page_ids(officer, tab: str, per_page: int, **filters) -> list[list[int]]:
    paginator = CappedPaginator(
        selectors.queue(officer, tab, **filters),
        per_page,
        cap=selectors.COUNT_CAP,
        parts=selectors.queue_parts(officer, tab, **filters),
    )
    return [[task.pk for task in paginator.page(n).object_list] for n in paginator.page_range]


def test_a_queue_of_several_parts_is_paged_in_the_queue_order(applicant, business, service, team):
    """ "Returned" and "decided" are read as parts (one per step of mine, one for what I hold at the other
    steps): pages merge them in the queue's order, each row once, and count them together."""
    reception = team.reception
    reception_step = ReviewTask.objects.get(application=factories.queued(applicant, service, business)).step
    today = timezone.localdate()
    # Waiting for the applicant: two at the reception officer's step, two that they hold at the technical one.
    waiting = []
    for days, mine in ((5, False), (1, True), (3, False), (2, True)):
        application = factories.returned(applicant, service, business, team)
        task = ReviewTask.objects.get(application=application, state=TaskState.WAITING)
        technical_step = task.step
        task.due_date = today + datetime.timedelta(days=days)
        if mine:
            task.holder = reception
        else:
            task.step = reception_step
        task.save()
        waiting.append(task)
    # Decided: two rejected at reception, two held by reception at the technical step.
    decided = []
    for hours, moved in ((4, False), (1, True), (3, True), (2, False)):
        application = factories.rejected(applicant, service, business, team)
        task = ReviewTask.objects.get(application=application, outcome="reject")
        task.completed_at = timezone.now() - datetime.timedelta(hours=hours)
        if moved:
            task.step = technical_step
        task.save()
        decided.append(task)
    assert len(selectors.queue_parts(reception, "returned")) == 2
    expected_waiting = [t.pk for t in sorted(waiting, key=lambda t: t.due_date)]
    assert [t.pk for t in selectors.queue(reception, "returned")] == expected_waiting
    assert _parts_page_ids(reception, "returned", 3) == [expected_waiting[:3], expected_waiting[3:]]
    expected_decided = [t.pk for t in sorted(decided, key=lambda t: t.completed_at, reverse=True)]
    assert [t.pk for t in selectors.queue(reception, "decided")] == expected_decided
    assert _parts_page_ids(reception, "decided", 2) == [expected_decided[:2], expected_decided[2:]]
    counts = selectors.queue_counts(reception)
    assert (counts["returned"], counts["decided"]) == (4, 4)
    assert selectors.queue_counts(reception, cap=3)["decided"] == 4  # "more than 3", from two parts
    # The service filter keeps the parts at the service's steps; another service's queue is empty.
    assert _parts_page_ids(reception, "returned", 3, service=service.pk)[0] == expected_waiting[:3]
