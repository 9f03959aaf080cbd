"""apply_payment_status and payment_settled: the transition table, one event and one receipt per PAID, the
application submitted exactly once through the path of `submit`, refusals, late and duplicate settlements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from applications import services as application_services
from applications.models import ApplicationEvent
from applications.models import Status as AppStatus
from applications.signals import application_submitted
from esb.models import AuditEvent
from payments import khqr, services
from payments.models import TRANSITIONS, Payment, PaymentEvent, Receipt, Status, allowed_from
from tests.payments.factories import PAID_EVIDENCE, paid, started

pytestmark = pytest.mark.django_db


def test_the_transition_table_holds_part_5_statuses_and_failed_is_not_final():
    assert set(TRANSITIONS) == {"UNPAID", "PENDING", "PAID", "FAILED", "REFUNDED", "WAIVED"}
    assert Status.PAID in TRANSITIONS[Status.FAILED]
    assert TRANSITIONS[Status.REFUNDED] == frozenset() and TRANSITIONS[Status.WAIVED] == frozenset()
    assert allowed_from(Status.PAID) == ["FAILED", "PENDING"]


def test_a_new_attempt_is_a_pending_dynamic_khqr_for_the_fee(waiting, applicant, account):
    payment = started(waiting, applicant)
    assert payment.status == Status.PENDING and payment.amount == Decimal("200000")
    assert payment.currency == "KHR" and payment.md5 == khqr.md5(payment.khqr)
    fields = khqr.decode(payment.khqr)
    assert fields["billNumber"] == waiting.reference
    assert fields["merchantName"] == "Ministry of Commerce"
    assert fields["merchantNameAlternateLanguage"] == "ក្រសួងពាណិជ្ជកម្ម"
    assert fields["transactionAmount"] == "200000" and fields["transactionCurrency"] == "116"
    lifetime = int(fields["expirationTimestamp"]) - int(fields["creationTimestamp"])
    assert 0 < lifetime <= 10 * 60 * 1000
    assert khqr.verify(payment.khqr).valid
    assert list(payment.events.values_list("kind", "to_status")) == [("created", "PENDING")]


def test_paid_issues_one_receipt_and_submits_the_application(waiting, applicant):
    received = []
    application_submitted.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-paid")
    try:
        payment = paid(waiting, applicant)
    finally:
        application_submitted.disconnect(dispatch_uid="test-paid")
    waiting.refresh_from_db()
    assert payment.status == Status.PAID and payment.transaction_hash == PAID_EVIDENCE["transaction_hash"]
    assert payment.from_account == PAID_EVIDENCE["from_account"] and payment.paid_at is not None
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.number.startswith(f"{waiting.licence_type.institution.code.upper()}-R-")
    assert waiting.status == AppStatus.SUBMITTED and waiting.revision == 1
    assert waiting.expected_decision_date is not None and waiting.reference
    assert [r["resubmission"] for r in received] == [False]
    submitted = waiting.events.filter(kind=ApplicationEvent.Kind.STATUS, to_status=AppStatus.SUBMITTED)
    assert submitted.count() == 1
    assert AuditEvent.objects.filter(action="payment.status", object_id=str(payment.pk)).count() == 1
    assert AuditEvent.objects.filter(action="application.payment_settled").count() == 1


def test_a_repeated_confirmation_changes_nothing(waiting, applicant):
    payment = paid(waiting, applicant)
    outcome = services.apply_payment_status(payment.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    assert not outcome.changed and outcome.status == Status.PAID and outcome.receipt_number
    assert PaymentEvent.objects.filter(payment=payment, kind="status").count() == 1
    assert Receipt.objects.count() == 1


@pytest.mark.parametrize(
    ("evidence", "reason"),
    [
        ({"amount": "199999", "currency": "KHR"}, "amount"),
        ({"amount": "200000", "currency": "USD"}, "currency"),
    ],
)
def test_a_confirmation_for_another_amount_or_currency_is_refused(waiting, applicant, evidence, reason):
    payment = started(waiting, applicant)
    with pytest.raises(services.EvidenceMismatch, match=reason):
        services.apply_payment_status(payment.pk, Status.PAID, source="poll", evidence=evidence)
    payment.refresh_from_db()
    waiting.refresh_from_db()
    assert payment.status == Status.PENDING and waiting.status == AppStatus.DRAFT
    assert not Receipt.objects.exists()


def test_the_first_attempt_paid_cancels_the_newer_one_which_can_still_settle(waiting, applicant):
    old = started(waiting, applicant)
    new = started(waiting, applicant)
    services.apply_payment_status(old.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    new.refresh_from_db()
    assert new.status == Status.FAILED and new.events.filter(source="superseded").exists()
    # The payer also paid the newer code: not a second PAID, but money to give back.
    outcome = services.apply_payment_status(new.pk, Status.PAID, source="poll", evidence={})
    new.refresh_from_db()
    assert not outcome.changed and outcome.refund_due
    assert new.status == Status.FAILED and new.refund_due
    assert new.events.filter(kind="duplicate_settlement").count() == 1
    assert Payment.objects.filter(application=waiting, status=Status.PAID).count() == 1
    assert Receipt.objects.count() == 1


def test_the_database_refuses_two_paid_attempts_for_one_application(waiting, applicant):
    first, second = paid(waiting, applicant), started(waiting, applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=second.pk).update(status=Status.PAID)
    assert first.status == Status.PAID


def test_a_payment_for_an_application_no_longer_waiting_is_kept_and_marked_for_refund(waiting, applicant):
    payment = started(waiting, applicant)
    application_services.discard_draft(waiting, by=applicant)
    outcome = services.apply_payment_status(payment.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    payment.refresh_from_db()
    assert outcome.changed and outcome.refund_due
    assert payment.status == Status.PAID and payment.refund_due
    assert payment.events.filter(kind="application_not_payable").exists()


def test_refused_moves_change_nothing(waiting, applicant):
    payment = paid(waiting, applicant)
    outcome = services.apply_payment_status(payment.pk, Status.PENDING, source="test")
    assert not outcome.changed and outcome.status == Status.PAID
    with pytest.raises(services.PaymentStatusError):
        services.apply_payment_status(payment.pk, "LOST", source="test")


def test_history_and_receipts_are_append_only(waiting, applicant):
    payment = paid(waiting, applicant)
    event = payment.events.first()
    for statement in (
        f"UPDATE payments_paymentevent SET kind = 'x' WHERE id = {event.pk}",
        f"DELETE FROM payments_paymentevent WHERE id = {event.pk}",
        f"DELETE FROM payments_receipt WHERE payment_id = {payment.pk}",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.parametrize("state", ["submitted", "free", "draft"])
def test_payment_settled_refuses_anything_but_a_draft_waiting_for_its_fee(
    state, waiting, applicant, business, free_service
):
    from tests.applications import factories

    if state == "submitted":
        target = paid(waiting, applicant).application
    elif state == "free":
        target = factories.submitted(applicant, free_service, business)
    else:
        target = factories.draft(applicant, free_service, business)
    with pytest.raises(application_services.ApplicationError) as refused:
        application_services.payment_settled(target, payment_reference="R-1")
    assert refused.value.code == "not_awaiting_payment"
