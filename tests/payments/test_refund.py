"""Refunds: an officer with `payments.refund_payment` (the approver) records that a PAID payment, or one that
settled after another attempt (`refund_due`), was given back: REFUNDED, the reason in the history and the
audit trail. Without the permission it is refused; another institution's payment is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import Status as AppStatus
from esb.models import AuditEvent
from payments import services
from payments.models import PaymentEvent, Status
from tests.licensing.factories import LicenceTypeFactory
from tests.payments.factories import PAID_EVIDENCE, paid, started
from tests.review.factories import officer

pytestmark = pytest.mark.django_db

REASON = "Paid twice by mistake; returned to the payer's account"


@pytest.fixture
def approver(paid_service):
    return officer("approver", paid_service.institution)


def _refund_url(payment) -> str:
    return reverse("payments-backoffice:refund", kwargs={"public_id": payment.public_id})


def test_a_refund_of_a_paid_payment_is_recorded_once(waiting, approver, applicant):
    payment = paid(waiting, applicant)
    outcome = services.record_refund(payment, officer=approver, reason=REASON)
    assert outcome.changed and outcome.status == Status.REFUNDED
    payment.refresh_from_db()
    assert payment.status == Status.REFUNDED
    event = PaymentEvent.objects.get(payment=payment, to_status=Status.REFUNDED)
    assert (event.from_status, event.source, event.evidence["reason"]) == ("PAID", "officer", REASON)
    assert AuditEvent.objects.filter(
        action="payment.refunded", object_id=str(payment.pk), reason=REASON
    ).exists()
    with pytest.raises(services.OfficerActionRefused) as again:
        services.record_refund(payment, officer=approver, reason=REASON)
    assert again.value.code == "not_refundable"
    assert PaymentEvent.objects.filter(payment=payment, to_status=Status.REFUNDED).count() == 1
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.SUBMITTED  # the application itself does not change


def test_only_settled_money_can_be_refunded(waiting, approver, applicant):
    open_code = started(waiting, applicant)
    with pytest.raises(services.OfficerActionRefused) as refused:
        services.record_refund(open_code, officer=approver, reason=REASON)
    assert refused.value.code == "not_refundable"
    services.apply_payment_status(open_code.pk, Status.FAILED, source="expired")
    open_code.refresh_from_db()
    with pytest.raises(services.OfficerActionRefused):
        services.record_refund(open_code, officer=approver, reason=REASON)  # FAILED, nothing was paid


def test_the_refunds_due_are_listed_and_refunded_from_the_back_office(client, waiting, approver, applicant):
    old = started(waiting, applicant)
    new = started(waiting, applicant)
    services.apply_payment_status(new.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    late = services.apply_payment_status(old.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    assert late.refund_due
    client.force_login(approver)
    listing = client.get(reverse("payments-backoffice:fees"))
    assert listing.status_code == 200 and _refund_url(old).encode() in listing.content
    assert _refund_url(new).encode() not in listing.content  # paid and kept: not due
    assert client.post(_refund_url(old), {"reason": ""}).status_code == 400
    done = client.post(_refund_url(old), {"reason": REASON})
    assert done.status_code == 302
    old.refresh_from_db()
    assert old.status == Status.REFUNDED
    assert _refund_url(old).encode() not in client.get(reverse("payments-backoffice:fees")).content
    again = client.post(_refund_url(old), {"reason": REASON})
    assert (
        again.status_code == 400
        and PaymentEvent.objects.filter(payment=old, to_status="REFUNDED").count() == 1
    )


def test_without_the_permission_a_refund_is_refused(client, waiting, paid_service, applicant):
    payment = paid(waiting, applicant)
    head = officer("head_of_office", paid_service.institution)  # may waive, may not refund
    with pytest.raises(services.OfficerActionRefused) as refused:
        services.record_refund(payment, officer=head, reason=REASON)
    assert refused.value.code == "permission"
    client.force_login(head)
    assert client.post(_refund_url(payment), {"reason": REASON}).status_code == 403
    payment.refresh_from_db()
    assert payment.status == Status.PAID


def test_another_institution_s_payment_is_a_404(client, waiting, applicant):
    payment = paid(waiting, applicant)
    client.force_login(officer("approver", LicenceTypeFactory().institution))
    assert client.get(_refund_url(payment)).status_code == 404
    assert client.post(_refund_url(payment), {"reason": REASON}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Status.PAID


def test_the_payment_list_links_a_paid_payment_to_its_refund_page(client, waiting, approver, applicant):
    payment = paid(waiting, applicant)
    client.force_login(approver)
    page = client.get(reverse("admin:payments_payment_changelist"))
    assert page.status_code == 200 and _refund_url(payment).encode() in page.content
