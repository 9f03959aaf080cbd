"""Ten deliveries of one gateway event and a Bakong-style poll confirming the same payment at the same moment,
on the real database (threads with their own connections): one PAID transition, one event, one receipt,
one processed webhook event, the application submitted once."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client

from applications.models import ApplicationEvent
from applications.models import Status as AppStatus
from payments import services
from payments.models import PaymentEvent, Receipt, Status, WebhookEvent
from tests.payments.factories import (
    PAID_EVIDENCE,
    fake_checkout_sessions,
    gateway_account,
    gateway_event,
    gateway_started,
    post_webhook,
    waiting_application,
)

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 10


def test_ten_concurrent_duplicate_webhooks_and_a_poll_pay_once(monkeypatch):
    fake_checkout_sessions(monkeypatch)
    application = waiting_application()
    gateway_account(application.licence_type.institution)
    payment = gateway_started(application)
    event = gateway_event(payment, event_id="evt_concurrent")
    barrier = threading.Barrier(DELIVERIES + 1)
    results: list = [None] * (DELIVERIES + 1)

    def deliver(index):
        try:
            barrier.wait()
            results[index] = post_webhook(Client(), event).status_code
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    def poll():
        try:
            barrier.wait()
            results[DELIVERIES] = services.apply_payment_status(
                payment.pk,
                Status.PAID,
                source="poll",
                evidence={**PAID_EVIDENCE, "amount": str(payment.amount)},
            )
        except Exception as error:
            results[DELIVERIES] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(DELIVERIES)]
    threads.append(threading.Thread(target=poll))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes, polled = results[:DELIVERIES], results[DELIVERIES]
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(codes) == [200] + [409] * (DELIVERIES - 1)  # one delivery applied, the rest replays
    assert polled.status == Status.PAID
    assert PaymentEvent.objects.filter(payment=payment, kind="status", to_status=Status.PAID).count() == 1
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert WebhookEvent.objects.filter(event_id="evt_concurrent").count() == 1
    application.refresh_from_db()
    assert application.status == AppStatus.SUBMITTED
    assert (
        ApplicationEvent.objects.filter(application=application, to_status=AppStatus.SUBMITTED).count() == 1
    )
