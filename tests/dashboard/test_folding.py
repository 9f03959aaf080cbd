"""The fold (dashboard.services.folding): idempotent, and safe against rows that commit out of id order —
an event whose id was handed out before a higher one was folded is still counted when it commits."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from applications.models import ApplicationEvent
from dashboard import selectors
from dashboard.models import (
    ApplicationCount,
    DurationCount,
    FeeCount,
    FoldedRow,
    FoldMark,
    FunnelCount,
    ProvinceCount,
)
from dashboard.services import folding
from tests.dashboard import scenario

pytestmark = pytest.mark.django_db

WHOLE = (datetime.date(2025, 1, 1), datetime.date(2026, 12, 31))


def snapshot() -> dict[str, list]:
    tables = [ApplicationCount, ProvinceCount, FunnelCount, FeeCount, DurationCount]
    fields = {
        model.__name__: [f.attname for f in model._meta.concrete_fields if f.name != "id"] for model in tables
    }
    return {model.__name__: sorted(model.objects.values_list(*fields[model.__name__])) for model in tables}


def received(user) -> int:
    today = timezone.localdate()
    return selectors.dashboard(user, selectors.Filters(*WHOLE, today)).period["RECEIVED"]


def test_folding_twice_changes_nothing(history):
    folding.fold()
    first = snapshot()
    assert first["ApplicationCount"]
    folding.fold()
    assert snapshot() == first
    later = timezone.now() + folding.SETTLE_AFTER + datetime.timedelta(minutes=1)
    folding.fold(now=later)  # the checkpoint settles: the listed rows are dropped, the counts stay
    folding.fold(now=later + folding.SETTLE_AFTER + datetime.timedelta(minutes=1))
    assert snapshot() == first
    assert not FoldedRow.objects.filter(source="events").exists()


def test_the_marks_settle_only_after_the_margin(history):
    folding.fold()
    top = ApplicationEvent.objects.order_by("-id").values_list("id", flat=True).first()
    mark = FoldMark.objects.get(source="events")
    assert mark.settled_through == 0 and mark.checkpoint_id == top
    assert (
        FoldedRow.objects.filter(source="events").count()
        == ApplicationEvent.objects.filter(kind__in=["CREATED", "STATUS"])
        .exclude(kind="STATUS", to_status="")
        .count()
    )
    folding.fold(now=timezone.now() + folding.SETTLE_AFTER - datetime.timedelta(seconds=5))
    assert FoldMark.objects.get(source="events").settled_through == 0
    folding.fold(now=timezone.now() + folding.SETTLE_AFTER + datetime.timedelta(seconds=5))
    assert FoldMark.objects.get(source="events").settled_through == top


def _reserve_event_id() -> int:
    """An id handed out now to an event that commits later (what a long transaction's insert gets)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('applications_applicationevent', 'id'))")
        return cursor.fetchone()[0]


def test_an_event_committed_after_a_higher_one_is_still_counted(history):
    late_id = _reserve_event_id()
    template = ApplicationEvent.objects.filter(
        kind="STATUS", from_status="DRAFT", to_status="SUBMITTED"
    ).first()
    # a higher id commits first and is folded
    ApplicationEvent.objects.create(
        application=template.application,
        at=timezone.now(),
        kind="STATUS",
        from_status="DRAFT",
        to_status="SUBMITTED",
        title_km="x",
        title_en="x",
        actor_kind="APPLICANT",
    )
    folding.fold()
    before = received(history.national)
    # then the lower id commits, inside the margin
    ApplicationEvent.objects.create(
        id=late_id,
        application=template.application,
        at=timezone.now(),
        kind="STATUS",
        from_status="DRAFT",
        to_status="SUBMITTED",
        title_km="x",
        title_en="x",
        actor_kind="APPLICANT",
    )
    folding.fold(now=timezone.now() + datetime.timedelta(minutes=1))
    assert received(history.national) == before + 1
    folding.fold(now=timezone.now() + folding.SETTLE_AFTER * 3)
    assert received(history.national) == before + 1
    both = {history.service_a.institution_id, history.service_b.institution_id}
    assert received(history.national) == scenario.panel(both, *WHOLE)["RECEIVED"]


def test_a_late_payment_and_review_action_are_counted_once(history):
    folding.fold()
    first = snapshot()
    # nothing new: the listed rows above the mark are not folded a second time
    FoldMark.objects.filter(source__in=["payments", "reviews"]).update(checkpoint_at=None)
    folding.fold()
    assert snapshot() == first


def test_the_beat_task_folds(history):
    from dashboard import tasks

    marks = tasks.fold()
    assert set(marks) == {"events", "payments", "reviews"}
    assert ApplicationCount.objects.exists() and DurationCount.objects.exists() and FeeCount.objects.exists()


def _refund_b(history, day: datetime.date) -> None:
    from payments import services as payments
    from payments.models import Payment
    from tests.dashboard.conftest import clock

    payment = Payment.objects.get(application__licence_type=history.service_b, status="PAID")
    with clock(scenario.at(day, 11)):
        payments.record_refund(payment, officer=history.team_b.approver, reason="Paid twice by mistake.")


def _fees(user, start, end) -> dict:
    figures = selectors.dashboard(user, selectors.Filters(start, end, end))
    return {(m, c): (n, a) for m, c, n, a in figures.fees_by_method}


REFUND_DAY = datetime.date(2025, 5, 6)  # in a later month than the payment (D2): both grains are checked


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_refund_is_taken_off_the_fees_on_the_day_it_was_made(history, rebuild):
    folding.fold()
    _refund_b(history, REFUND_DAY)
    folding.rebuild_from_history() if rebuild else folding.fold()
    b = {history.service_b.institution_id}
    periods = [
        (scenario.D2, scenario.D2),  # the payment's day: still collected then
        (REFUND_DAY, REFUND_DAY),  # the refund's day: taken off
        (datetime.date(2025, 3, 1), datetime.date(2025, 4, 30)),  # whole months before the refund
        (datetime.date(2025, 5, 1), datetime.date(2025, 5, 31)),  # the refund's whole month
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),  # both: nothing kept
    ]
    for start, end in periods:
        assert _fees(history.national, start, end) == scenario.fees(b, start, end)
    assert _fees(history.national, scenario.D2, scenario.D2) == {("KHQR", "KHR"): (1, 200000)}
    assert _fees(history.national, REFUND_DAY, REFUND_DAY) == {("KHQR", "KHR"): (-1, -200000)}
    assert _fees(history.national, *periods[-1]) == {("KHQR", "KHR"): (0, 0)}
    assert _fees(history.team_a.supervisor, REFUND_DAY, REFUND_DAY) == {}  # B's refund is not A's business


def test_the_fold_and_the_rebuild_agree_with_a_refund(history):
    _refund_b(history, REFUND_DAY)
    folding.fold()
    folded = snapshot()
    folding.rebuild_from_history()
    assert snapshot() == folded
