"""Concurrent duplicate confirmations against the real database: threads with their own connections confirm
at the same moment (a poll and replays). Exactly one PAID transition, one event, one receipt, one SUBMITTED.
(Committed data without reference data: the application is made directly.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from applications.models import ApplicationEvent
from applications.models import Status as AppStatus
from payments import services
from payments.models import Payment, PaymentEvent, Receipt, Status
from tests.payments.factories import PAID_EVIDENCE, waiting_application

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, payment_id, source):
        try:
            barrier.wait()
            outcomes[index] = services.apply_payment_status(
                payment_id, Status.PAID, source=source, evidence=PAID_EVIDENCE
            )
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_ten_concurrent_confirmations_pay_once_and_submit_once():
    application = waiting_application()
    payment = services.start_payment(application, "khqr")
    outcomes = _race([(payment.pk, "poll" if i % 3 == 0 else "replay") for i in range(THREADS)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.changed for o in outcomes) == 1
    assert {o.status for o in outcomes} == {Status.PAID}
    assert PaymentEvent.objects.filter(payment=payment, kind="status", to_status=Status.PAID).count() == 1
    assert Receipt.objects.filter(payment=payment).count() == 1
    application.refresh_from_db()
    assert application.status == AppStatus.SUBMITTED
    assert (
        ApplicationEvent.objects.filter(application=application, to_status=AppStatus.SUBMITTED).count() == 1
    )
    assert application.revisions.count() == 1
    from review.models import ReviewTask

    assert ReviewTask.objects.filter(application=application).count() == 1


def test_two_codes_paid_at_once_give_one_paid_attempt_and_one_refund_due():
    application = waiting_application()
    old = services.start_payment(application, "khqr")
    new = services.start_payment(application, "khqr")
    outcomes = _race([(old.pk if i % 2 else new.pk, "poll") for i in range(THREADS)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.changed and o.status == Status.PAID for o in outcomes) == 1
    assert Payment.objects.filter(application=application, status=Status.PAID).count() == 1
    assert Receipt.objects.filter(payment__application=application).count() == 1
    loser = Payment.objects.get(application=application, status=Status.FAILED)
    assert loser.refund_due
    application.refresh_from_db()
    assert application.status == AppStatus.SUBMITTED
