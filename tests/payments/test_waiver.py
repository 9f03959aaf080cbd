"""Waivers: an officer with `payments.waive_payment` (approver, head of office) waives a fee with a reason;
the application is submitted through `payment_settled` exactly once; without the permission it is refused,
another institution's application is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from applications.models import ApplicationEvent
from applications.models import Status as AppStatus
from esb.models import AuditEvent
from payments import services
from payments.models import Method, Payment, PaymentEvent, Status
from tests.licensing.factories import LicenceTypeFactory
from tests.payments.factories import PAID_EVIDENCE, started
from tests.review.factories import officer

pytestmark = pytest.mark.django_db

REASON = "Registered charity: fee exempt under the sub-decree"


@pytest.fixture
def approver(paid_service):
    return officer("approver", paid_service.institution)


def _waive_url(application) -> str:
    return reverse("payments-backoffice:waive", kwargs={"public_id": application.public_id})


def _submitted_events(application) -> int:
    return ApplicationEvent.objects.filter(application=application, to_status=AppStatus.SUBMITTED).count()


def test_a_waiver_submits_the_application_once_and_keeps_the_reason(waiting, approver, applicant):
    open_code = started(waiting, applicant)
    waiver = services.waive_fee(waiting, officer=approver, reason=REASON)
    assert (waiver.status, waiver.method, waiver.amount) == (Status.WAIVED, Method.WAIVER, waiting.fee_amount)
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.SUBMITTED and _submitted_events(waiting) == 1
    event = PaymentEvent.objects.get(payment=waiver, kind="status")
    assert (event.to_status, event.source, event.evidence["reason"]) == ("WAIVED", "officer", REASON)
    assert event.evidence["officer_id"] == approver.pk
    assert AuditEvent.objects.filter(
        action="payment.waived", object_id=str(waiver.pk), reason=REASON
    ).exists()
    open_code.refresh_from_db()
    assert open_code.status == Status.FAILED  # the open KHQR code stops
    # A second waiver is refused and changes nothing.
    with pytest.raises(services.OfficerActionRefused) as refused:
        services.waive_fee(waiting, officer=approver, reason=REASON)
    assert refused.value.code == "not_awaiting_payment"
    assert Payment.objects.filter(application=waiting, status=Status.WAIVED).count() == 1
    assert _submitted_events(waiting) == 1
    # The old code paid anyway: the money is to be given back, the application is not submitted again.
    outcome = services.apply_payment_status(open_code.pk, Status.PAID, source="poll", evidence=PAID_EVIDENCE)
    assert outcome.refund_due and _submitted_events(waiting) == 1


def test_a_waiver_needs_a_reason_and_the_permission(waiting, paid_service):
    reception = officer("reception_officer", paid_service.institution)
    with pytest.raises(services.OfficerActionRefused) as refused:
        services.waive_fee(waiting, officer=reception, reason=REASON)
    assert refused.value.code == "permission"
    head = officer("head_of_office", paid_service.institution)
    with pytest.raises(services.OfficerActionRefused) as refused:
        services.waive_fee(waiting, officer=head, reason="  ")
    assert refused.value.code == "no_reason"
    assert not Payment.objects.filter(application=waiting).exists()
    services.waive_fee(waiting, officer=head, reason=REASON)  # the head of office may
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.SUBMITTED


def test_the_back_office_lists_and_waives(client, waiting, approver):
    client.force_login(approver)
    listing = client.get(reverse("payments-backoffice:fees"))
    assert listing.status_code == 200 and waiting.reference.encode() in listing.content
    form = client.get(_waive_url(waiting))
    with translation.override("km"):  # the back-office's default language
        title = translation.gettext("Waive the fee")
    assert form.status_code == 200 and title in form.content.decode()
    empty = client.post(_waive_url(waiting), {"reason": ""})
    assert empty.status_code == 400 and not Payment.objects.filter(application=waiting).exists()
    done = client.post(_waive_url(waiting), {"reason": REASON})
    assert done.status_code == 302 and done["Location"] == reverse("payments-backoffice:fees")
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.SUBMITTED
    assert client.get(_waive_url(waiting)).status_code == 404  # no longer waiting for its fee


def test_without_the_permission_the_pages_are_refused(client, waiting, paid_service):
    client.force_login(officer("technical_officer", paid_service.institution))
    assert client.get(reverse("payments-backoffice:fees")).status_code == 403
    assert client.post(_waive_url(waiting), {"reason": REASON}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.DRAFT


def test_another_institution_s_application_is_a_404(client, waiting):
    elsewhere = officer("approver", LicenceTypeFactory().institution)
    client.force_login(elsewhere)
    assert client.get(_waive_url(waiting)).status_code == 404
    assert client.post(_waive_url(waiting), {"reason": REASON}).status_code == 404
    assert waiting.reference.encode() not in client.get(reverse("payments-backoffice:fees")).content
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.DRAFT


def test_an_applicant_cannot_reach_the_back_office_pages(applicant_client, waiting):
    response = applicant_client.post(_waive_url(waiting), {"reason": REASON})
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]
