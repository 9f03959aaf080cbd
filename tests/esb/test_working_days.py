"""Working days (esb.working_days): weekends and the public holidays of the back-office table are skipped;
the holidays are read once per span and cached per year; any change to the table reaches the next call."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

from esb import working_days
from esb.models import PublicHoliday
from esb.working_days import (
    WorkingCalendar,
    add_working_days,
    holidays_in_years,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db
D = datetime.date
# 2030 is outside the seeded years: these tests choose its holidays themselves.
FRI, SAT, SUN, MON, TUE = D(2030, 1, 4), D(2030, 1, 5), D(2030, 1, 6), D(2030, 1, 7), D(2030, 1, 8)


def holiday(day: datetime.date, name: str = "Test holiday") -> PublicHoliday:
    return PublicHoliday.objects.create(date=day, name_km="ថ្ងៃឈប់សម្រាកសាកល្បង", name_en=name)


def test_weekends_are_not_working_days():
    assert [is_working_day(day) for day in (FRI, SAT, SUN, MON)] == [True, False, False, True]
    assert add_working_days(FRI, 1) == MON
    assert add_working_days(SAT, 1) == MON  # the start does not count, even on a weekend
    assert working_days_between(FRI, MON) == 1
    assert working_days_between(FRI, D(2030, 1, 11)) == 5


def test_a_holiday_on_a_weekday_is_skipped():
    holiday(MON)
    assert not is_working_day(MON)
    assert add_working_days(FRI, 1) == TUE
    assert working_days_between(FRI, TUE) == 1


def test_no_days_or_negative_days_leave_the_start_unchanged():
    holiday(MON)
    assert add_working_days(MON, 0) == MON
    assert add_working_days(MON, -3) == MON


def test_khmer_new_year_2026_is_three_days_off():
    # Seeded from the 2026 sub-decree: Tuesday 14 to Thursday 16 April.
    assert [is_working_day(D(2026, 4, day)) for day in range(13, 18)] == [True, False, False, False, True]
    assert add_working_days(D(2026, 4, 13), 1) == D(2026, 4, 17)
    assert working_days_between(D(2026, 4, 10), D(2026, 4, 17)) == 2


def test_a_span_across_the_new_year_skips_both_years_holidays():
    # Fri 26 Dec 2025; Mon 29 Dec is Peace Day, 1 Jan New Year's Day, then Jan 2, 5, 6.
    start = D(2025, 12, 26)
    assert add_working_days(start, 5) == D(2026, 1, 6)
    assert working_days_between(start, D(2026, 1, 6)) == 5
    assert working_days_between(D(2026, 1, 6), start) == -5


def test_working_days_between_counts_after_start_up_to_and_including_end():
    holiday(MON)
    assert working_days_between(FRI, FRI) == 0
    assert working_days_between(MON, TUE) == 1  # a holiday start does not count, the end does
    assert working_days_between(SAT, SUN) == 0
    assert working_days_between(TUE, MON) == -1
    assert working_days_between(MON, FRI) == 0  # Monday is a holiday: nothing after Friday up to it


@pytest.mark.parametrize("start", [D(2025, 12, 20), D(2026, 4, 10), D(2026, 9, 30)])
def test_adding_then_counting_gives_back_the_same_number(start):
    for days in range(0, 40):
        end = add_working_days(start, days)
        assert working_days_between(start, end) == days
        assert working_days_between(end, start) == -days
        assert days == 0 or is_working_day(end)


def test_one_query_for_a_year_and_none_once_cached(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    working_days.forget_all()
    with django_assert_num_queries(1), django_capture_on_commit_callbacks(execute=True):
        assert working_days_between(D(2026, 1, 1), D(2026, 12, 31)) == 243
    with django_assert_num_queries(0):
        assert working_days_between(D(2026, 1, 1), D(2026, 12, 31)) == 243
        assert add_working_days(D(2026, 1, 1), 200) == D(2026, 10, 23)
        assert is_working_day(D(2026, 11, 24)) is False


def test_a_long_span_still_takes_one_query(django_assert_num_queries):
    working_days.forget_all()
    with django_assert_num_queries(1):
        assert add_working_days(D(2025, 1, 1), 500) > D(2026, 12, 31)


def test_a_calendar_loads_years_it_was_not_built_for_when_asked():
    calendar = WorkingCalendar.for_span(D(2030, 1, 1), D(2030, 12, 31))
    assert calendar.is_working_day(D(2026, 4, 14)) is False
    assert D(2026, 4, 14) in calendar.holidays


def test_a_new_holiday_reaches_a_warm_cache_at_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert add_working_days(FRI, 1) == MON  # 2030 now cached, without holidays
    holiday(MON)
    assert add_working_days(FRI, 1) == TUE


def test_a_moved_holiday_leaves_the_year_it_left(django_capture_on_commit_callbacks):
    moved = holiday(D(2031, 1, 7))
    with django_capture_on_commit_callbacks(execute=True):
        holidays_in_years(2030, 2031)
    moved.date = MON
    moved.save()
    assert not is_working_day(MON)
    assert is_working_day(D(2031, 1, 7))
    moved.delete()
    assert is_working_day(MON)


def test_holidays_read_inside_a_transaction_are_cached_only_when_it_commits(
    django_capture_on_commit_callbacks,
):
    holiday(MON)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert not is_working_day(MON)
    assert cache.get("esb:public-holidays:2030") is None  # a rollback now would leave nothing behind
    for callback in callbacks:
        callback()
    assert cache.get("esb:public-holidays:2030") == (MON,)


def test_the_seed_is_there_after_migrate():
    new_year = PublicHoliday.objects.filter(date__range=(D(2026, 4, 14), D(2026, 4, 16)))
    assert [h.name_km for h in new_year] == ["ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ"] * 3
    assert [h.name_en for h in new_year] == ["Khmer New Year"] * 3
    counts = {year: PublicHoliday.objects.filter(date__year=year).count() for year in (2025, 2026, 2027)}
    assert counts == {2025: 22, 2026: 21, 2027: 22}
    assert PublicHoliday.objects.get(date=D(2026, 10, 10)).name_en == "Pchum Ben Festival"
    assert "Provisional" in PublicHoliday.objects.get(date=D(2027, 5, 20)).notes
    assert all("Provisional" not in h.notes for h in PublicHoliday.objects.filter(date__year=2026))


def test_the_seed_migration_is_reversible_and_idempotent():
    migration = importlib.import_module("esb.migrations.0006_seed_public_holidays")
    migration.unseed(apps, None)
    assert not PublicHoliday.objects.filter(date__year__in=(2025, 2026, 2027)).exists()
    assert is_working_day(D(2026, 4, 14))
    migration.seed(apps, None)
    migration.seed(apps, None)
    assert PublicHoliday.objects.filter(date__year__in=(2025, 2026, 2027)).count() == 65
    assert not is_working_day(D(2026, 4, 14))
