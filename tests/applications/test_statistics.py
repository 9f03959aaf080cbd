"""Part 5 `application_statistic` (applications/statistics.py, docs/statistics.md): the counts per status of
the applications last modified in a range, as of the end of its last day in Phnom Penh — final for a closed
day whatever happens later, and the same whether the closed days were folded into the counts or not."""

from __future__ import annotations

import datetime
import itertools
from contextlib import contextmanager
from unittest import mock

import pytest

from applications import services
from applications.models import (
    OPEN_UNTIL,
    ApplicationEvent,
    Status,
    StatusCountsWatermark,
    StatusSpan,
    StatusSpanCount,
)
from applications.services import statistics as statistics_services
from applications.services.statistics import LOCAL_ZONE, local_day
from applications.statistics import (
    FIELDS,
    TOTAL_FIELD,
    InvalidStatisticsRange,
    final_counts,
    status_counts,
)
from tests.applications import factories
from tests.licensing.factories import LicenceTypeFactory, publish_valid_form, publish_valid_workflow

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
APRIL = (datetime.date(2025, 4, 1), datetime.date(2025, 4, 30))
LONG_AFTER = datetime.datetime(2026, 1, 1, tzinfo=LOCAL_ZONE)


def local(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, second, tzinfo=LOCAL_ZONE)


@contextmanager
def clock(at: datetime.datetime):
    """Every event written inside is dated `at` (the services date events with timezone.now())."""
    with mock.patch("django.utils.timezone.now", return_value=at.astimezone(datetime.UTC)):
        yield


def service():
    """A fresh published free service: one open draft per applicant and service, so each application of a
    test gets its own."""
    licence_type = LicenceTypeFactory(fee_amount=0, processing_days=10)
    publish_valid_form(licence_type)
    publish_valid_workflow(licence_type)
    return licence_type


def counts(start: datetime.date, end: datetime.date) -> dict[str, int]:
    return status_counts(start, end, now=LONG_AFTER).by_status


def expected(**by_status: int) -> dict[str, int]:
    return {status.value: by_status.get(status.value.lower(), 0) for status in FIELDS}


def oracle(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The definition, straight from the timeline: each application's last CREATED/STATUS event up to the
    end of `end` (its day never before an earlier event's), counted when that day falls in [start, end]."""
    result = expected()
    events = ApplicationEvent.objects.filter(kind__in=["CREATED", "STATUS"]).order_by(
        "application_id", "at", "id"
    )
    for _, group in itertools.groupby(events, key=lambda e: e.application_id):
        last_day, status = None, None
        for event in group:
            day = max(local_day(event.at), last_day) if last_day else local_day(event.at)
            if day > end:
                break
            last_day, status = day, Status.DRAFT if event.kind == "CREATED" else event.to_status
        if last_day is not None and start <= last_day <= end:
            result[status] += 1
    return result


def reach(applicant, business, status: str, days: list[datetime.datetime]):
    """An application walked through the real services to `status`, one move per date in `days`
    (created, then submitted, then each next move)."""
    licence_type = service()
    with clock(days[0]):
        application = factories.filled(applicant, licence_type, business)
    path = {
        Status.DRAFT: [],
        Status.SUBMITTED: [Status.SUBMITTED],
        Status.REVIEWING: [Status.SUBMITTED, Status.REVIEWING],
        Status.RETURNED: [Status.SUBMITTED, Status.REVIEWING, Status.RETURNED],
        Status.APPROVED: [Status.SUBMITTED, Status.REVIEWING, Status.APPROVED],
        Status.REJECTED: [Status.SUBMITTED, Status.REJECTED],
        Status.EXPIRED: [Status.SUBMITTED, Status.REVIEWING, Status.APPROVED, Status.EXPIRED],
    }[status]
    for step, when in zip(path, days[1:] + [days[-1]] * len(path), strict=False):
        with clock(when):
            application = move(application, applicant, step)
    return application


def move(application, applicant, to_status: str):
    if to_status == Status.SUBMITTED:
        return services.submit(application, applicant, version=application.version)
    if to_status == Status.REVIEWING:
        return services.mark_received(application, None)
    if to_status == Status.RETURNED:
        return services.return_for_correction(application, None, fields=["employees"], message="Fix it.")
    titles = {Status.APPROVED: "approved", Status.REJECTED: "rejected", Status.EXPIRED: "expired"}
    return services.change_status(application, to_status, title=titles[to_status])


@pytest.fixture
def march(applicant, business):
    """One application in each status, all last modified in March 2025."""
    return {
        status: reach(applicant, business, status, [local(3, 1), local(3, 2 + i)])
        for i, status in enumerate(FIELDS)
    }


def test_each_status_counted_once_with_the_total(march):
    data = final_counts(*MARCH)
    assert data == {field: 1 for field in FIELDS.values()} | {TOTAL_FIELD: 7}
    assert list(data) == sorted(data)  # the spec's order: alphabetical, total last
    assert counts(*MARCH) == oracle(*MARCH)


def test_last_modified_day_decides(march):
    # All created on 1 March, each moved on its own day from 2 March: at the end of 1 March, seven drafts.
    assert counts(datetime.date(2025, 3, 1), datetime.date(2025, 3, 1)) == expected(draft=7)
    # As of the end of 2 March the others were drafts (created 1 March) or just moved: the range [2, 2]
    # holds the one that moved on 2 March (the first status after DRAFT in FIELDS order: approved).
    assert counts(datetime.date(2025, 3, 2), datetime.date(2025, 3, 2)) == expected(approved=1)
    # Before anything: nothing; after March: nothing was modified.
    assert sum(counts(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)).values()) == 0
    assert sum(counts(*APRIL).values()) == 0


def test_local_midnight_boundaries(applicant, business):
    reach(applicant, business, Status.DRAFT, [local(3, 9, 23, 59, 59)])  # 16:59:59 UTC on 9 March
    reach(applicant, business, Status.SUBMITTED, [local(3, 10, 0, 0, 0)])  # 17:00:00 UTC on 9 March
    reach(applicant, business, Status.REJECTED, [local(3, 1), local(3, 10, 23, 59, 59)])
    reach(applicant, business, Status.RETURNED, [local(3, 1), local(3, 11, 0, 0, 0)])
    day = datetime.timedelta(days=1)
    ninth = datetime.date(2025, 3, 9)
    assert counts(ninth, ninth) == expected(draft=1)
    assert counts(ninth + day, ninth + day) == expected(submitted=1, rejected=1)
    assert counts(ninth + 2 * day, ninth + 2 * day) == expected(returned=1)
    assert counts(ninth, ninth + day) == expected(draft=1, submitted=1, rejected=1)
    for start, end in itertools.combinations_with_replacement(
        [datetime.date(2025, 3, d) for d in (1, 8, 9, 10, 11, 12)], 2
    ):
        assert counts(start, end) == oracle(start, end), (start, end)


def test_a_closed_range_never_changes(march, applicant, business):
    before = final_counts(*MARCH)
    before_detail = counts(*MARCH)
    statistics_services.close_days(now=local(4, 1, 1))
    # April: every kind of move on the March applications, and new applications.
    with clock(local(4, 5)):
        move(march[Status.REVIEWING], applicant, Status.APPROVED)
        move(march[Status.SUBMITTED], applicant, Status.REJECTED)
        move(march[Status.APPROVED], applicant, Status.EXPIRED)
        move(march[Status.DRAFT], applicant, Status.SUBMITTED)
    with clock(local(4, 6)):
        move(march[Status.RETURNED], applicant, Status.SUBMITTED)  # resubmitted after correction
    reach(applicant, business, Status.APPROVED, [local(4, 7), local(4, 8)])
    reach(applicant, business, Status.DRAFT, [local(4, 9)])
    assert final_counts(*MARCH) == before
    statistics_services.close_days(now=local(5, 1, 1))
    assert final_counts(*MARCH) == before
    assert counts(*MARCH) == before_detail == oracle(*MARCH)
    # Modified again in April: counted in April with the new status, in March with the old one.
    assert counts(*APRIL) == expected(approved=2, rejected=1, expired=1, submitted=2, draft=1)
    assert counts(MARCH[0], APRIL[1]) == expected(approved=2, rejected=2, expired=2, submitted=2, draft=1)
    # Last modified in March as of 4 April, in April since: out of a range that starts after its March day.
    assert counts(datetime.date(2025, 3, 20), datetime.date(2025, 4, 4)) == expected()


def test_a_range_ending_today_is_provisional(applicant, business):
    today = local_day(datetime.datetime.now(tz=LOCAL_ZONE))
    reach(applicant, business, Status.SUBMITTED, [datetime.datetime.now(tz=LOCAL_ZONE)])
    current = status_counts(today, today)
    assert current.final is False
    assert current.by_status[Status.SUBMITTED] == 1
    assert current.as_dict()[TOTAL_FIELD] == 1
    assert status_counts(*MARCH).final is True
    assert (
        status_counts(today - datetime.timedelta(days=400), today + datetime.timedelta(days=30)).final
        is False
    )


def test_withdrawn_counts_as_rejected_and_discarded_draft_stays_a_draft(applicant, business):
    application = reach(applicant, business, Status.SUBMITTED, [local(3, 1)])
    with clock(local(3, 3)):
        services.withdraw(application, applicant, reason="changed my mind")
    draft = reach(applicant, business, Status.DRAFT, [local(3, 4)])
    with clock(local(3, 5)):
        services.discard_draft(draft, by=applicant)
    assert counts(*MARCH) == expected(rejected=1, draft=1)


def test_start_after_end_is_refused():
    with pytest.raises(InvalidStatisticsRange):
        final_counts(datetime.date(2025, 3, 2), datetime.date(2025, 3, 1))
    assert issubclass(InvalidStatisticsRange, ValueError)
    with pytest.raises(TypeError):
        final_counts(local(3, 1), datetime.date(2025, 3, 2))


def test_rebuild_from_history_equals_the_incremental_path(march, applicant, business):
    # Folded in two steps around more moves, as the hourly task would.
    statistics_services.close_days(now=local(3, 20, 1))
    with clock(local(3, 25)):
        move(march[Status.SUBMITTED], applicant, Status.REVIEWING)
    with clock(local(3, 25, 18)):
        move(march[Status.SUBMITTED], applicant, Status.RETURNED)  # two moves in one day: one span
    reach(applicant, business, Status.REJECTED, [local(3, 28), local(4, 2)])
    statistics_services.close_days(now=local(4, 10, 1))
    spans = set(StatusSpan.objects.values_list("application_id", "day", "status", "until"))
    cells = set(StatusSpanCount.objects.values_list("day", "until", "status", "count"))
    ranges = [
        (datetime.date(2025, 3, a), datetime.date(2025, 3, b))
        for a, b in [(1, 1), (1, 31), (3, 25), (20, 28)]
    ] + [(MARCH[0], APRIL[1]), (datetime.date(2025, 3, 29), datetime.date(2025, 4, 2))]
    incremental = {r: counts(*r) for r in ranges}
    assert incremental == {r: oracle(*r) for r in ranges}
    statistics_services.rebuild_from_history(now=local(4, 10, 1))
    assert set(StatusSpan.objects.values_list("application_id", "day", "status", "until")) == spans
    assert set(StatusSpanCount.objects.values_list("day", "until", "status", "count")) == cells
    assert {r: counts(*r) for r in ranges} == incremental
    # Nothing folded at all (the beat never ran): the same answers, read from the spans.
    StatusCountsWatermark.objects.update(closed_through=datetime.date.min)
    StatusSpanCount.objects.all().delete()
    assert {r: counts(*r) for r in ranges} == incremental
    # Folded only part way (the watermark inside the ranges): still the same.
    statistics_services.close_days(now=local(3, 26, 1))
    assert {r: counts(*r) for r in ranges} == incremental


def test_close_days_is_idempotent(march):
    first = statistics_services.close_days(now=local(4, 2, 1))
    cells = set(StatusSpanCount.objects.values_list("day", "until", "status", "count"))
    assert first == datetime.date(2025, 4, 1)
    assert statistics_services.close_days(now=local(4, 2, 3)) == first
    assert set(StatusSpanCount.objects.values_list("day", "until", "status", "count")) == cells
    # Ten minutes after local midnight the day is closed, not before.
    assert statistics_services.close_days(now=local(4, 3, 0, 5)) == first
    assert statistics_services.close_days(now=local(4, 3, 0, 10)) == datetime.date(2025, 4, 2)


def test_payment_required_is_not_a_modification(applicant, business, paid_service):
    with clock(local(3, 1)):
        application = factories.filled(applicant, paid_service, business)
    with clock(local(3, 3)):
        application = services.submit(application, applicant, version=application.version)
    assert application.status == Status.DRAFT and application.payment_requested_at is not None
    assert counts(datetime.date(2025, 3, 1), datetime.date(2025, 3, 1)) == expected(draft=1)
    assert counts(datetime.date(2025, 3, 3), datetime.date(2025, 3, 3)) == expected()


def test_the_beat_task_folds_the_closed_days(march):
    from django.conf import settings

    from applications import tasks

    schedule = settings.CELERY_BEAT_SCHEDULE["close-statistics-days"]
    assert schedule["task"] == tasks.close_statistics_days.name
    closed_through = tasks.close_statistics_days()
    assert closed_through == statistics_services.last_closed_day().isoformat()
    assert StatusSpanCount.objects.filter(day=datetime.date(2025, 3, 1)).exists()


def test_spans_one_per_day_and_never_back_in_time(applicant, business):
    application = reach(applicant, business, Status.DRAFT, [local(3, 1)])
    record = statistics_services.record_status
    record(application.pk, local(3, 4, 9), Status.SUBMITTED)
    record(application.pk, local(3, 4, 17), Status.REVIEWING)  # same day: the day's last status
    record(application.pk, local(3, 3, 12), Status.RETURNED)  # a clock behind: counted on 4 March
    record(application.pk, local(3, 6, 0, 0, 0), Status.REJECTED)
    spans = list(StatusSpan.objects.filter(application=application).values_list("day", "status", "until"))
    assert spans == [
        (datetime.date(2025, 3, 1), Status.DRAFT, datetime.date(2025, 3, 4)),
        (datetime.date(2025, 3, 4), Status.RETURNED, datetime.date(2025, 3, 6)),
        (datetime.date(2025, 3, 6), Status.REJECTED, OPEN_UNTIL),
    ]


def test_an_answer_read_while_the_days_are_folded_is_recomputed(march):
    """The watermark read first is stale (close_days committed just after): the statement's own snapshot
    says so, and the answer is computed again with the watermark the counts match."""
    statistics_services.close_days(now=local(4, 2, 1))
    with mock.patch("applications.statistics._watermark", return_value=datetime.date(2025, 3, 3)):
        for start, end in [MARCH, (datetime.date(2025, 3, 2), datetime.date(2025, 3, 5)), APRIL]:
            assert counts(start, end) == oracle(start, end)
