"""Page 6 and receipts: the KHQR page scoped to the applicant, one live code at a time, a new code (rate
limited), the status fragment htmx polls, the paid state, the receipt page and PDF, and the status page's
link to the receipt."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import pytest
from django.urls import reverse

from payments import khqr
from payments.models import Payment, Status
from tests.applications import factories as application_factories
from tests.payments.factories import paid

pytestmark = pytest.mark.django_db


def pay_url(application, name: str = "pay") -> str:
    return reverse(f"payments:{name}", kwargs={"public_id": application.public_id})


def test_payment_required_leads_to_the_payment_page(
    applicant_client, applicant, business, paid_service, account
):
    application = application_factories.filled(applicant, paid_service, business)
    response = applicant_client.post(
        reverse("applications:submit", kwargs={"public_id": application.public_id}),
        {"version": application.version},
    )
    old = reverse("applications:payment", kwargs={"public_id": application.public_id})
    assert response["Location"] == old
    assert applicant_client.get(old)["Location"] == pay_url(application)


def test_the_page_shows_a_khqr_for_the_fee_with_merchant_reference_and_expiry(applicant_client, waiting):
    page = applicant_client.get(pay_url(waiting)).content.decode()
    payment = Payment.objects.get(application=waiting)
    assert payment.status == Status.PENDING
    assert waiting.reference in page and "200,000" in page and "Ministry of Commerce" in page
    assert 'data-testid="khqr-image"' in page and "data:image/svg+xml;base64," in page
    assert payment.khqr in page  # the text under the code, for a bank app that cannot scan
    assert "data-countdown=" in page and 'hx-trigger="every 3s"' in page
    assert khqr.decode(payment.khqr)["billNumber"] == waiting.reference
    # Reloading shows the same live code: no new attempt per visit.
    applicant_client.get(pay_url(waiting))
    assert Payment.objects.filter(application=waiting).count() == 1


def test_a_usd_fee_is_shown_and_encoded_in_dollars(
    applicant_client, applicant, business, paid_service, account
):
    paid_service.fee_amount, paid_service.fee_currency = 12, "USD"
    paid_service.save()
    application = application_factories.submitted(applicant, paid_service, business)
    page = applicant_client.get(pay_url(application)).content.decode()
    payment = Payment.objects.get(application=application)
    assert "US$12" in page and payment.currency == "USD"
    assert khqr.decode(payment.khqr)["transactionCurrency"] == "840"


def test_someone_else_gets_a_404_everywhere(client, stranger, waiting, applicant):
    payment = paid(waiting, applicant)
    client.force_login(stranger)
    for url in (pay_url(waiting), pay_url(waiting, "status")):
        assert client.get(url).status_code == 404
    assert client.post(pay_url(waiting, "new-code")).status_code == 404
    for name in ("payments:receipt", "payments:receipt-pdf"):
        assert client.get(reverse(name, args=[payment.receipt.number])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, waiting):
    assert reverse("accounts:login") in client.get(pay_url(waiting))["Location"]


def test_a_new_code_is_a_new_attempt_and_the_old_one_stays_payable(applicant_client, waiting):
    applicant_client.get(pay_url(waiting))
    first = Payment.objects.get(application=waiting)
    response = applicant_client.post(pay_url(waiting, "new-code"))
    assert response["Location"] == pay_url(waiting)
    newest = Payment.objects.filter(application=waiting).latest("created_at", "id")
    assert newest.pk != first.pk and newest.md5 != first.md5
    first.refresh_from_db()
    assert first.status == Status.PENDING
    assert newest.khqr in applicant_client.get(pay_url(waiting)).content.decode()


def test_new_codes_are_rate_limited(applicant_client, waiting, settings):
    settings.ESB_THROTTLE_RATES = {"payment-new-code": "2/10m"}
    statuses = [applicant_client.post(pay_url(waiting, "new-code")).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Payment.objects.filter(application=waiting).count() == 2


def test_the_status_fragment_turns_to_paid_without_a_reload(applicant_client, waiting, applicant):
    applicant_client.get(pay_url(waiting))
    waiting_fragment = applicant_client.get(pay_url(waiting, "status"), headers={"HX-Request": "true"})
    assert 'data-testid="payment-waiting"' in waiting_fragment.content.decode()
    payment = Payment.objects.get(application=waiting)
    from payments import services

    services.apply_payment_status(
        payment.pk, Status.PAID, source="test", evidence={"transaction_hash": "ab" * 32}
    )
    fragment = applicant_client.get(
        pay_url(waiting, "status"), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-testid="payment-paid"' in fragment and "hx-trigger" not in fragment
    assert 'id="payment-checkout" hx-swap-oob="true"' in fragment
    assert reverse("payments:receipt", args=[Payment.objects.get(pk=payment.pk).receipt.number]) in fragment
    # Without htmx, the status address is the page itself (a refresh link works without JavaScript).
    assert applicant_client.get(pay_url(waiting, "status"))["Location"] == pay_url(waiting)


def test_the_page_of_a_paid_application_says_paid_and_submitted(applicant_client, waiting, applicant):
    payment = paid(waiting, applicant)
    page = applicant_client.get(pay_url(waiting)).content.decode()
    assert "Paid — submitted" in page and payment.receipt.number in page
    assert 'data-testid="khqr-image"' not in page
    assert Payment.objects.filter(application=waiting).count() == 1


def test_a_service_without_a_payment_account_says_so(applicant_client, applicant, business, paid_service):
    application = application_factories.submitted(applicant, paid_service, business)
    page = applicant_client.get(pay_url(application)).content.decode()
    assert 'data-testid="payment-not-offered"' in page
    assert not Payment.objects.exists()


def test_a_free_or_submitted_application_has_no_payment_page(
    applicant_client, applicant, business, free_service
):
    application = application_factories.submitted(applicant, free_service, business)
    response = applicant_client.get(pay_url(application))
    assert response["Location"] == reverse("applications:detail", kwargs={"public_id": application.public_id})


def test_the_receipt_is_bilingual_and_linked_from_the_status_page(applicant_client, waiting, applicant):
    payment = paid(waiting, applicant)
    number = payment.receipt.number
    detail = applicant_client.get(reverse("applications:detail", kwargs={"public_id": waiting.public_id}))
    assert reverse("payments:receipt", args=[number]) in detail.content.decode()
    page = applicant_client.get(reverse("payments:receipt", args=[number])).content.decode()
    for text in (
        number,
        waiting.reference,
        payment.transaction_hash,
        "ចំនួនទឹកប្រាក់",
        "Amount",
        "KHQR",
        "200,000",
    ):
        assert text in page


def test_the_receipt_pdf_embeds_the_khmer_font(applicant_client, waiting, applicant):
    payment = paid(waiting, applicant)
    response = applicant_client.get(reverse("payments:receipt-pdf", args=[payment.receipt.number]))
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-Khmer" in name for name in fonts)  # embedded: Khmer shaped by HarfBuzz
    text = page.extract_text()
    assert "Payment receipt" in text and payment.receipt.number in text
    # Each line carries its text as /ActualText (esb/pdf_text.py): PDFium extracts the shaped Khmer exactly.
    document = pypdfium2.PdfDocument(response.content)
    khmer = " ".join(document[0].get_textpage().get_text_range().split())
    document.close()
    application = payment.application
    for label in ("ចំនួនទឹកប្រាក់ / Amount", "វិធីបង់ប្រាក់ / Method", "កាលបរិច្ឆេទបង់ប្រាក់ / Date paid"):
        assert label in khmer
    assert application.licence_type.name_km in khmer
    assert application.licence_type.institution.name_km in khmer
    assert payment.transaction_hash[:30] in text.replace("\n", "")
    assert f"{payment.receipt.number}.pdf" in response["Content-Disposition"]
