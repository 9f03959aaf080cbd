"""Processing time in working days (esb.working_days): weekends and public holidays do not count, nor the
working days the review's clock stood still while the application was returned (review.sla); the same
figure on the page, in the summary and in every export.

The dataset (tests/reports/conftest.py): a1 submitted Saturday 10 January 2026, decided Tuesday 20 January:
7 working days (12–16, 19, 20); a2 submitted Thursday 5 February, decided Monday 9 February: 2 (6, 9)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.cache import cache

from applications.models import Application
from esb.models import PublicHoliday
from esb.working_days import working_days_between
from reports import selectors, services
from review.models import ReviewTask
from tests.reports.conftest import PERIOD, at

pytestmark = pytest.mark.django_db

SUMMARY = {**PERIOD, "shape": "summary", "group_by": "status"}
TODAY = datetime.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _no_cached_holidays():
    cache.clear()
    yield
    cache.clear()


def _holiday(day: str) -> None:
    PublicHoliday.objects.get_or_create(
        date=datetime.date.fromisoformat(day), defaults={"name_km": "ថ្ងៃឈប់", "name_en": "Holiday"}
    )


def _by_status(dataset):
    result = selectors.summary(dataset.officer_a1, SUMMARY, TODAY)
    return result, {row.key: row for row in result.rows}


def test_weekends_do_not_count(dataset):
    # The seeded holidays of early 2026 (1 and 7 January, 8 March) fall outside both processing times.
    result, rows = _by_status(dataset)
    assert rows["APPROVED"].median_days == 7.0  # a1: a calendar count would say 10
    assert rows["REJECTED"].median_days == 2.0  # a2: a calendar count would say 4
    assert result.total.median_days == 4.5


def test_a_public_holiday_does_not_count_and_one_on_a_weekend_is_not_taken_twice(dataset):
    _holiday("2026-01-14")  # a Wednesday within a1's processing
    _holiday("2026-01-17")  # a Saturday: not a working day anyway
    _holiday("2026-03-02")  # after every decision: changes nothing
    result, rows = _by_status(dataset)
    assert rows["APPROVED"].median_days == 6.0
    assert result.total.median_days == 4.0  # (6 + 2) / 2


def test_the_days_paused_while_returned_do_not_count(dataset):
    # a2 was returned to the applicant for one working day: review's clock stood still (review.sla).
    ReviewTask.objects.filter(application=dataset.apps["a2"]).update(paused_working_days=1)
    Application.objects.filter(pk=dataset.apps["a2"].pk).update(last_submitted_at=at("2026-02-06", 15))
    _, rows = _by_status(dataset)
    assert rows["REJECTED"].median_days == 1.0


def test_the_sql_count_is_esb_working_days(dataset):
    """Every decided application's figure equals working_days_between of its local dates."""
    from django.utils import timezone

    for day in ("2026-01-01", "2026-01-14", "2026-02-06", "2026-04-13", "2026-04-14", "2025-12-29"):
        _holiday(day)
    figures = selectors.applications(dataset.officer_a1, {**PERIOD, "shape": "summary"}, TODAY).annotate(
        taken=selectors.working_days_taken(selectors.all_holidays())
    )
    checked = 0
    for app in figures.filter(decided_at__isnull=False):
        expected = working_days_between(
            timezone.localdate(app.submitted_at), timezone.localdate(app.decided_at)
        )
        assert app.taken == expected, app.reference
        checked += 1
    assert checked == 2


def test_the_export_shows_the_same_working_days(dataset):
    _holiday("2026-01-14")
    run = services.start_run(dataset.officer_a1, SUMMARY, "csv", language="en")
    run.refresh_from_db()
    with run.file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert rows[0][3] == "Median processing time (working days)"
    by_status = {row[0]: row for row in rows[1:]}
    assert by_status["Approved"][3] == "6.0" and by_status["Total"][3] == "4.0"
