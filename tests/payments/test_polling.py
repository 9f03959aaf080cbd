"""The KHQR polling task against the Bakong simulator over real HTTP: a paid code is confirmed once, a
failed transfer is FAILED, backoff between checks, expiry with a grace window, an unreachable Bakong changes
nothing, and the task is in the beat schedule."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import Status as AppStatus
from esb.outbox.models import OutboxMessage
from payments import services, tasks
from payments.models import Payment, Receipt, Status
from sandbox.bakong import services as simulator
from sandbox.bakong.testing import use_live_bakong
from tests.payments.factories import started, waiting_application


@pytest.fixture
def bakong(live_server, transactional_db, settings):
    return use_live_bakong(settings, live_server.url)


@pytest.fixture
def waiting(transactional_db):
    return waiting_application()


@pytest.fixture
def applicant(waiting):
    return waiting.applicant


def test_the_poller_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["poll-pending-khqr"]
    assert entry["task"] == "payments.tasks.poll_pending_khqr"
    assert tasks.poll_pending_khqr.acks_late


def test_backoff_grows_and_is_capped():
    pauses = [tasks.pause(n).total_seconds() for n in range(1, 12)]
    assert pauses[0] == 3 and pauses == sorted(pauses) and max(pauses) == 30


def test_a_paid_code_is_confirmed_once_and_submits_the_application(bakong, waiting, applicant):
    payment = started(waiting, applicant)
    assert tasks.poll_pending_khqr() == {"checked": 1, "paid": 0, "failed": 0, "timed_out": 0}
    payment.refresh_from_db()
    assert payment.status == Status.PENDING and payment.checks == 1
    assert payment.next_check_at > timezone.now()  # asked again only after the pause
    assert tasks.poll_pending_khqr()["checked"] == 0
    paid = simulator.pay(payment.khqr, from_account="payer@devb")
    Payment.objects.filter(pk=payment.pk).update(next_check_at=timezone.now())
    assert tasks.poll_pending_khqr()["paid"] == 1
    payment.refresh_from_db()
    waiting.refresh_from_db()
    assert payment.status == Status.PAID and payment.transaction_hash == paid.hash
    assert payment.from_account == "payer@devb" and payment.next_check_at is None
    assert waiting.status == AppStatus.SUBMITTED
    # A second round (a redelivered task) finds nothing to do.
    Payment.objects.filter(pk=payment.pk).update(next_check_at=timezone.now())
    assert tasks.poll_pending_khqr() == {"checked": 0, "paid": 0, "failed": 0, "timed_out": 0}
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_an_expired_code_whose_transfer_failed_is_failed(bakong, waiting, applicant):
    payment = started(waiting, applicant)
    simulator.pay(payment.khqr, fail=True)
    later = payment.expires_at + datetime.timedelta(seconds=1)
    counts = tasks.poll_provider("khqr", now=later)
    payment.refresh_from_db()
    assert counts["failed"] == 1 and payment.status == Status.FAILED


def test_a_code_paid_in_the_grace_window_is_still_confirmed(bakong, waiting, applicant):
    payment = started(waiting, applicant)
    simulator.pay(payment.khqr)
    in_grace = payment.expires_at + datetime.timedelta(seconds=60)
    assert tasks.poll_provider("khqr", now=in_grace)["paid"] == 1


def test_a_code_never_paid_times_out_after_the_grace_window(bakong, waiting, applicant):
    payment = started(waiting, applicant)
    after = payment.expires_at + datetime.timedelta(seconds=settings.BAKONG["GRACE_SECONDS"] + 1)
    counts = tasks.poll_provider("khqr", now=after)
    payment.refresh_from_db()
    assert counts["timed_out"] == 1 and payment.status == Status.FAILED and payment.next_check_at is None
    assert payment.events.filter(source="expired").exists()
    # FAILED is not final: a late settlement (reconciliation) still pays it.
    outcome = services.apply_payment_status(payment.pk, Status.PAID, source="reconciliation", evidence={})
    assert outcome.changed


def test_an_unreachable_bakong_changes_nothing_and_asks_again(settings, transactional_db, waiting, applicant):
    settings.BAKONG = {**settings.BAKONG, "BASE_URL": "http://127.0.0.1:9/sandbox/bakong", "TIMEOUT": 1}
    payment = started(waiting, applicant)
    counts = tasks.poll_pending_khqr()
    payment.refresh_from_db()
    assert counts["checked"] == 1 and payment.status == Status.PENDING and payment.next_check_at


def test_a_new_attempt_asks_for_its_deep_link_after_the_commit(bakong, waiting, applicant):
    payment = started(waiting, applicant)
    message = OutboxMessage.objects.get(dedupe_key=f"payment-prepare:{payment.pk}")
    tasks.prepare_payment(**message.payload)
    payment.refresh_from_db()
    assert "/sandbox/bakong/app/?md5=" in payment.deeplink
    tasks.prepare_payment(payment.pk)  # done once: a repeat asks nothing
    assert payment.deeplink
