"""Paying a fee in a real browser at phone width, in Khmer and in English (Part 6 page 6): a paid demo service
from "payment required" to the KHQR page, paid in the Bakong sandbox's bank app (the text under the code
pasted in English, the deep link followed in Khmer), confirmed by the polling task, the page turning to
"Paid — submitted" without a reload, then the receipt. The payment pages are scanned with axe."""

from __future__ import annotations

import pytest

from applications.models import Application, Status
from licensing.selectors import licence_type_by_code
from payments import khqr, tasks
from payments.models import Payment
from payments.models import Status as PaymentStatus
from sandbox.bakong.testing import use_live_bakong
from tests.e2e.test_applicant_journey import (
    PDF,
    Journey,
    _log_in_and_consent,
    _owner_without_applications,
    _scan,
)
from tests.e2e.test_applicant_journey import portal as _portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 360, "height": 780}
portal = _portal


@pytest.fixture
def bakong(portal, settings):
    return use_live_bakong(settings, portal.url)


def _apply_for_a_paid_service(journey: Journey, owner, licence_type) -> None:
    page = journey.page
    page.goto(f"{journey.base}/services/{licence_type.code}/")
    journey.seen()
    journey.click(page.locator(f"main a[href*='/apply/{licence_type.code}/']").first)
    _log_in_and_consent(journey, owner)
    if page.locator("input[name=service]").count() > 1:
        page.locator("input[name=service]").first.check()
    journey.click(page.get_by_test_id("start-application"))
    journey.click(page.get_by_test_id("save-continue"))
    page.locator("#id_amendment_types_0").check()
    page.locator("#id_effective_date").fill("15/01/2027")
    page.locator("#id_reason").fill("Change of trade name.")
    journey.click(page.get_by_test_id("save-continue"))
    for key in ("doc_commercial_reg_cert", "doc_board_resolution", "doc_national_id"):
        page.locator(f"#id_{key}").set_input_files(
            {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    journey.click(page.get_by_test_id("save-continue"))
    journey.click(page.get_by_test_id("submit"))


@pytest.mark.parametrize("language", ["km", "en"])
def test_a_fee_paid_by_khqr_submits_the_application(browser, portal, bakong, language):
    owner, business = _owner_without_applications()
    licence_type = licence_type_by_code("MOC-CR-002")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page = context.new_page()
    journey = Journey(page, portal.url, language)
    _apply_for_a_paid_service(journey, owner, licence_type)

    # Page 6: the KHQR for the fee, the merchant, the reference as bill number, the countdown.
    assert "/pay/" in page.url
    application = Application.objects.get(licence_type=licence_type, business=business)
    assert application.status == Status.DRAFT and application.payment_requested_at
    page.get_by_test_id("khqr-image").wait_for()
    assert page.get_by_test_id("reference").inner_text().strip() == application.reference
    assert page.get_by_test_id("merchant").inner_text().strip()
    countdown = page.locator("[data-countdown]")
    assert countdown.is_visible() and ":" in countdown.inner_text()
    payment = Payment.objects.get(application=application)
    qr = page.get_by_test_id("khqr-text").input_value()
    assert qr == payment.khqr and khqr.decode(qr)["billNumber"] == application.reference
    pay_url = page.url

    bank = context.new_page()
    if language == "en":
        # The developer pastes the text under the code into the bank app.
        bank.goto(f"{portal.url}/sandbox/bakong/app/")
        bank.get_by_test_id("bank-qr").fill(qr)
        bank.get_by_test_id("bank-read").click()
    else:
        # On a phone: the deep link (asked of Bakong after the attempt was committed) opens the bank app.
        page.reload()
        link = page.get_by_test_id("deeplink")
        assert link.is_visible()
        bank.goto(link.get_attribute("href"))
    assert bank.get_by_test_id("bank-bill").inner_text().strip() == application.reference
    assert bank.get_by_test_id("bank-amount").inner_text().strip() == f"{int(application.fee_amount)} KHR"
    bank.get_by_test_id("bank-pay").click()
    bank.get_by_test_id("bank-paid").wait_for()
    bank.close()

    # Beat's polling round; the page learns it by itself (htmx), without a reload.
    assert tasks.poll_pending_khqr()["paid"] == 1
    page.get_by_test_id("payment-paid").wait_for(timeout=15_000)
    assert page.url == pay_url
    assert page.get_by_test_id("khqr-image").count() == 0
    application.refresh_from_db()
    payment.refresh_from_db()
    assert application.status == Status.SUBMITTED and payment.status == PaymentStatus.PAID

    journey.click(page.get_by_test_id("receipt-link"))
    assert page.get_by_test_id("receipt-number").inner_text().strip() == payment.receipt.number
    assert payment.transaction_hash in page.get_by_test_id("receipt-hash").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("receipt-pdf").click()
    assert download.value.suggested_filename == f"{payment.receipt.number}.pdf"
    page.goto(f"{portal.url}/applications/{application.public_id}/")
    journey.seen()
    assert page.get_by_test_id("receipt-link").count() == 1

    paths = [p for p in journey.pages if "/pay/" in p or "/receipts/" in p]
    problems = _scan(browser, portal.url, language, context.storage_state(), paths)
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def gateway(portal, settings):
    from sandbox.gateway.testing import use_live_gateway

    return use_live_gateway(settings, portal.url)


@pytest.mark.parametrize("language", ["km", "en"])
def test_a_fee_paid_by_card_through_the_gateway_submits_the_application(
    browser, portal, bakong, gateway, language
):
    from payments.models import Method, PaymentAccount

    owner, business = _owner_without_applications()
    licence_type = licence_type_by_code("MOC-CR-002")
    PaymentAccount.objects.get_or_create(
        institution=licence_type.institution, provider="gateway", defaults={"sort_order": 1}
    )
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page = context.new_page()
    journey = Journey(page, portal.url, language)
    _apply_for_a_paid_service(journey, owner, licence_type)
    assert "/pay/" in page.url
    pay_url = page.url
    application = Application.objects.get(licence_type=licence_type, business=business)

    # "Pay by card or bank transfer": the gateway's checkout page (the sandbox), then back to page 6.
    page.get_by_test_id("pay-gateway").click()
    page.get_by_test_id("gateway-pay").wait_for()
    assert "/sandbox/gateway/checkout/cs_" in page.url
    page.get_by_test_id("gateway-card").fill("5555 5555 5555 4444")
    page.get_by_test_id("gateway-pay").click()
    page.get_by_test_id("payment-paid").wait_for(timeout=15_000)
    assert page.url == pay_url
    card = Payment.objects.get(application=application, provider="gateway")
    application.refresh_from_db()
    assert card.status == PaymentStatus.PAID and card.method == Method.CARD
    assert card.from_account == "MasterCard 4444"
    assert application.status == Status.SUBMITTED

    journey.click(page.get_by_test_id("receipt-link"))
    assert page.get_by_test_id("receipt-number").inner_text().strip() == card.receipt.number
    paths = [p for p in journey.pages if "/pay/" in p or "/receipts/" in p]
    problems = _scan(browser, portal.url, language, context.storage_state(), paths)
    context.close()
    assert not problems, "\n".join(problems)
