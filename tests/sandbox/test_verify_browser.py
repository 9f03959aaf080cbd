"""The page a licence's QR code opens, in a real browser at phone and desktop width, in Khmer and English:
the status in words, the holder, the embedded original, a copy checked; axe finds nothing serious and the
page fits 320 px. Then the record is revoked and the same URL says so."""

from __future__ import annotations

import pytest

from issuance.verification import RecordStatus, active_provider
from sandbox.verify.testing import use_live_verify
from tests.e2e.test_applicant_journey import _scan
from tests.issuance.test_verify_provider import PDF, licence_request

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["km", "en"])
def test_a_scanned_qr_opens_the_record_and_checks_a_copy(browser, live_server, settings, tmp_path, language):
    use_live_verify(settings, live_server.url)
    provider = active_provider()
    record = provider.register(licence_request())
    provider.publish(record.record_id, PDF)
    path = record.verify_url.removeprefix(live_server.url)

    problems = _scan(browser, live_server.url, language, None, [path])
    assert problems == [], problems

    context = browser.new_context(viewport={"width": 360, "height": 780})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(record.verify_url)
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("[data-status=VALID]").is_visible()
    holder = "ក្រុមហ៊ុន សុខ សាន្ត ឯ.ក" if language == "km" else "Sok Santh Co., Ltd."
    assert holder in page.locator("main").inner_text()

    copy = tmp_path / "licence.pdf"
    copy.write_bytes(PDF)
    page.locator("#check-document").set_input_files(str(copy))
    page.locator("form[enctype] button[type=submit]").click()
    assert page.locator("[data-check=matches]").is_visible()

    provider.revoke(record.record_id, reason="Revoked in the browser test.")
    page.goto(record.verify_url)
    assert page.locator("[data-status=REVOKED]").is_visible()
    assert "Revoked in the browser test." in page.locator("main").inner_text()
    context.close()

    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    wide = desktop.new_page()
    wide.goto(record.verify_url)
    frame = wide.locator("iframe")
    assert frame.is_visible() and "/document?key=" in frame.get_attribute("src")
    desktop.close()
    assert provider.status(record.record_id).status == RecordStatus.REVOKED
