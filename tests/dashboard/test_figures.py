"""Every figure of the dashboard equals the same figure recomputed straight from the history
(tests/dashboard/scenario.py), for a national administrator and for one institution's officer."""

from __future__ import annotations

import datetime

import pytest

from dashboard import selectors
from dashboard.services import folding
from tests.dashboard import scenario
from tests.dashboard.scenario import D1, D2, D3

pytestmark = pytest.mark.django_db

WHOLE = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
# whole months only, one day, days across two months, whole months with partial edges on either side
PERIODS = [WHOLE, (D1, D1), (D2, D3), (D3, D3)]
PERIODS += [(datetime.date(2025, 2, 15), datetime.date(2025, 4, 30)), (datetime.date(2025, 3, 1), D3)]


def _figures(user, start, end, today=D3, institution=None):
    return selectors.dashboard(user, selectors.Filters(start, end, today, institution))


def _check(figures, institutions, start, end):
    assert figures.period == scenario.panel(institutions, start, end)
    assert figures.today == scenario.panel(institutions, figures.filters.today, figures.filters.today)
    assert figures.by_month == scenario.by_month(institutions, start, end)
    assert dict(figures.by_province) == scenario.by_province(institutions, start, end)
    counts = scenario.event_counts(institutions, start, end)
    assert {(lt, m): n for lt, row in figures.by_service for m, n in row.items() if n} == dict(counts)
    assert {(m, c): (n, a) for m, c, n, a in figures.fees_by_method} == scenario.fees(
        institutions, start, end
    )
    assert {
        (row.licence_type_id, row.step): (row.count, row.median, row.p90, row.breached)
        for row in figures.durations
    } == scenario.durations(institutions, start, end)
    assert figures.overdue_now == scenario.overdue_now(institutions, figures.filters.today)
    expected_funnel = scenario.funnel(institutions, start, end)
    assert dict(figures.funnel) == {stage: expected_funnel.get(stage, 0) for stage, _n in figures.funnel}


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_national_figures_equal_the_history(history, start, end):
    folding.fold()
    both = {history.service_a.institution_id, history.service_b.institution_id}
    _check(_figures(history.national, start, end), both, start, end)


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_an_officer_sees_only_their_institution(history, start, end):
    folding.fold()
    only_a = {history.service_a.institution_id}
    figures = _figures(history.team_a.supervisor, start, end)
    _check(figures, only_a, start, end)
    assert history.service_b.pk not in dict(figures.by_service)
    assert figures.fees_by_method == []  # B's fee is not A's business


def test_the_history_has_every_kind_of_figure(history):
    """The scenario is worth checking: none of the figures compared above is empty."""
    folding.fold()
    figures = _figures(history.national, *WHOLE)
    assert all(figures.period[key] for key in ("RECEIVED", "REVIEWING", "RETURNED", "APPROVED", "REJECTED"))
    assert figures.period["LATE"] >= 1
    assert figures.fees_by_method == [("KHQR", "KHR", 1, 200000)]
    assert {stage: n for stage, n in figures.funnel} == {
        "STARTED": 7,
        "SUBMITTED": 5,
        "REVIEWED": 4,
        "APPROVED": 1,
    }
    assert any(row.step == "" for row in figures.durations) and any(row.step for row in figures.durations)


def test_the_national_filter_narrows_to_one_institution(history):
    folding.fold()
    b = history.service_b.institution_id
    figures = _figures(history.national, *WHOLE, institution=b)
    _check(figures, {b}, *WHOLE)


def test_the_rebuild_equals_the_incremental_fold(history):
    folding.fold()
    before = _figures(history.national, *WHOLE)
    folding.rebuild_from_history()
    after = _figures(history.national, *WHOLE)
    assert (before.period, before.by_month, before.by_service, before.fees_by_method, before.funnel) == (
        after.period,
        after.by_month,
        after.by_service,
        after.fees_by_method,
        after.funnel,
    )
    assert before.durations == after.durations and before.by_province == after.by_province


def test_percentile_is_nearest_rank():
    assert selectors.percentile({}, 50) is None
    assert selectors.percentile({3: 1}, 90) == 3
    buckets = {0: 4, 2: 5, 7: 1}  # 0,0,0,0,2,2,2,2,2,7
    assert selectors.percentile(buckets, 50) == 2
    assert selectors.percentile(buckets, 90) == 2
    assert selectors.percentile({1: 9, 5: 1}, 90) == 1
    assert selectors.percentile({1: 8, 5: 2}, 90) == 5


# D3 itself, a week on, and long after: the waiting task's clock stands still, the open ones run on.
LATER = [D3, D3 + datetime.timedelta(days=7), datetime.date(2025, 9, 1)]


@pytest.mark.parametrize("today", LATER)
def test_overdue_now_counts_the_current_tasks_past_due_in_scope(history, today):
    folding.fold()
    a, b = history.service_a.institution_id, history.service_b.institution_id
    national = _figures(history.national, D1, D3, today=today)
    assert national.overdue_now == scenario.overdue_now({a, b}, today)
    assert _figures(history.team_a.supervisor, D1, D3, today=today).overdue_now == scenario.overdue_now(
        {a}, today
    )
    assert _figures(history.national, D1, D3, today=today, institution=b).overdue_now == scenario.overdue_now(
        {b}, today
    )


def test_overdue_now_is_worth_checking(history):
    """Long after, B's open task is overdue and A's returned application (paused after its due date) too;
    a task finished late is not overdue now, nor the withdrawn application's (left open by the review), and
    nothing is overdue on the day B's task was reached."""
    folding.fold()
    a, b = history.service_a.institution_id, history.service_b.institution_id
    later = datetime.date(2025, 9, 1)
    assert scenario.overdue_now({a}, later) >= 1 and scenario.overdue_now({b}, later) >= 1
    assert scenario.overdue_now({b}, D3) == 0
    assert _figures(history.national, D1, D3, today=later).overdue_now == 2
