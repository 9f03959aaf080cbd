"""The daily reconciliation against the simulators over real HTTP: each kind of mismatch is found (missing at
the provider, amount differs, paid at the provider but not here → settled, unknown reference), written once
however often the day is run, and listed in the back-office for the institution it concerns only."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from applications.models import Status as AppStatus
from payments import services, tasks
from payments.models import MismatchKind, Payment, ReconciliationMismatch, Status
from payments.services.reconciliation import reconcile
from sandbox.bakong import services as bakong
from sandbox.bakong.models import SimTransaction
from sandbox.bakong.testing import use_live_bakong
from sandbox.gateway import services as gateway
from sandbox.gateway.testing import use_live_gateway
from tests.payments.factories import (
    PAID_EVIDENCE,
    gateway_account,
    gateway_started,
    waiting_application,
)
from tests.review.factories import officer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulators(live_server, settings):
    use_live_bakong(settings, live_server.url)
    use_live_gateway(settings, live_server.url)


def _khqr(paid_here: bool, paid_there: bool) -> Payment:
    payment = services.start_payment(waiting_application(), "khqr")
    if paid_there:
        bakong.pay(payment.khqr)
    if paid_here:
        services.apply_payment_status(payment.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    payment.refresh_from_db()
    return payment


def _kinds() -> dict[str, list[int | None]]:
    found: dict[str, list[int | None]] = {}
    for row in ReconciliationMismatch.objects.order_by("pk"):
        found.setdefault(row.kind, []).append(row.payment_id)
    return found


def test_each_kind_of_mismatch_is_found_once(simulators):
    agreed = _khqr(paid_here=True, paid_there=True)
    missing = _khqr(paid_here=True, paid_there=False)
    unrecorded = _khqr(paid_here=False, paid_there=True)
    differs = _khqr(paid_here=True, paid_there=True)
    SimTransaction.objects.filter(md5=differs.md5).update(amount=differs.amount - 100)
    application = waiting_application()
    gateway_account(application.licence_type.institution)
    card = gateway_started(application)
    session = gateway.SimCheckoutSession.objects.get(session_id=card.checkout_session_id)
    gateway.complete(session.session_id, paid=True, card_number="4242424242424242")  # webhook never sent
    stranger = gateway.create_session(
        {
            "reference": "not-a-portal-payment",
            "amount": "10",
            "currency": "USD",
            "return_url": "http://example.invalid/",
            "notify_url": "http://example.invalid/",
        }
    )
    gateway.complete(stranger.session_id, paid=True, method="bank_transfer")

    report = reconcile(timezone.localdate())

    assert set(_kinds()) == set(MismatchKind.values)
    assert _kinds()[MismatchKind.MISSING_AT_PROVIDER] == [missing.pk]
    assert sorted(_kinds()[MismatchKind.NOT_RECORDED]) == sorted([unrecorded.pk, card.pk])
    assert _kinds()[MismatchKind.AMOUNT_DIFFERS] == [differs.pk]
    assert _kinds()[MismatchKind.UNKNOWN_REFERENCE] == [None]
    assert report.settled == 2 and not report.unavailable
    differing = ReconciliationMismatch.objects.get(kind=MismatchKind.AMOUNT_DIFFERS)
    assert differing.provider_amount == differs.amount - 100 and differing.portal_amount == differs.amount
    # Paid at the provider, not here: settled through apply_payment_status (the application submitted).
    for settled in (unrecorded, card):
        settled.refresh_from_db()
        assert settled.status == Status.PAID
        assert settled.events.get(kind="status", to_status="PAID").source == "reconciliation"
        assert settled.application.status == AppStatus.SUBMITTED
    assert ReconciliationMismatch.objects.get(payment=card).resolution == "settled"
    assert agreed.mismatches.count() == 0
    # Running the day again finds the same and adds nothing.
    again = reconcile(timezone.localdate())
    assert again.mismatches == {} and again.settled == 0
    assert ReconciliationMismatch.objects.count() == 5


def test_an_unreachable_provider_is_reported_and_changes_nothing(settings, transactional_db):
    settings.BAKONG = {**settings.BAKONG, "BASE_URL": "http://127.0.0.1:9/sandbox/bakong"}
    settings.GATEWAY = {**settings.GATEWAY, "BASE_URL": "http://127.0.0.1:9/sandbox/gateway"}
    payment = services.start_payment(waiting_application(), "khqr")
    services.apply_payment_status(payment.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    report = reconcile(timezone.localdate())
    assert sorted(report.unavailable) == ["gateway", "khqr"]
    assert not ReconciliationMismatch.objects.exists()


def test_the_task_reconciles_yesterday_by_default_and_is_in_the_beat_schedule(simulators):
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-payments"]
    assert entry["task"] == "payments.tasks.reconcile_day"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert tasks.reconcile_day()["day"] == yesterday.isoformat()
    _khqr(paid_here=True, paid_there=False)
    assert tasks.reconcile_day(timezone.localdate().isoformat())["mismatches"] == {"missing_at_provider": 1}


def test_the_back_office_list_is_scoped_to_the_officer_s_institution(simulators, client):
    mine = _khqr(paid_here=True, paid_there=False)
    theirs = _khqr(paid_here=True, paid_there=False)
    reconcile(timezone.localdate())
    client.force_login(officer("approver", mine.application.licence_type.institution))
    listing = client.get(reverse("admin:payments_reconciliationmismatch_changelist"))
    assert listing.status_code == 200
    rows = ReconciliationMismatch.objects.all()
    own = rows.get(payment=mine)
    other = rows.get(payment=theirs)
    change_url = "admin:payments_reconciliationmismatch_change"
    assert reverse(change_url, args=[own.pk]).encode() in listing.content
    assert reverse(change_url, args=[other.pk]).encode() not in listing.content
    assert client.get(reverse(change_url, args=[other.pk])).status_code == 404
    assert client.post(reverse(change_url, args=[own.pk]), {}).status_code == 403
