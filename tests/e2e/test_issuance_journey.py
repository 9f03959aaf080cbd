# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""Issuing a licence in a real browser (issue 12): approval → the applicant downloads the PDF → opens the QR's
URL → sees it valid; an officer revokes it → the same URL shows it revoked. In Khmer on a phone (390 px) and
in English on a wide screen (1280 px).

The application waits at the approver's step (reached through the review services, tests/review/factories);
the approver claims and approves it on the review screen. The issuance chain then runs for real (Celery eager,
the outbox relayed on commit) against the verify.gov.kh simulator served by the same live server over HTTP:
numbered, registered, rendered with the QR, published, VALID. The QR is decoded from the downloaded PDF with
zxing-cpp. The applicant's licence page and the verify page are scanned with axe (no serious or critical
violation) and may not scroll sideways.

A licence whose issuance stopped (the PDF could not be made) is found in the register under "Being issued"
with the error, and the officer's "Try issuing again" issues it once the cause is gone.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from django.test import Client
from django.utils import translation

from applications.models import Status
from issuance import rendering
from issuance.models import Licence, LicenceStatus
from issuance.services.lifecycle import PUBLIC_REASONS
from sandbox.verify.models import SimRecordStatus
from sandbox.verify.testing import use_live_verify
from tests.e2e.test_review_journey import Tab, _act, _claim
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    _english,
    applicant,
    business,
    free_service,
    owner,
    service,
)
from tests.review import factories as review_factories
from tests.review.test_screen_browser import _check, reference  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

APPROVE_MESSAGE = "Your licence is approved."
REVOKE_REASON = "The licence was obtained with a false declaration."


@pytest.fixture
def portal(live_server, settings, tmp_path, reference):
    """The live server, the verify.gov.kh simulator on it (API and QR base), Celery tasks run in-process."""
    use_live_verify(settings, live_server.url)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    return live_server


def _signed_in(browser, base: str, user, who: str, language: str, width: int) -> Tab:
    """A review-journey tab (scroll and script-error checks) with `user`'s session: the back-office and
    CamDigiKey logins have their own browser tests."""
    tab = Tab(browser, base, who, language, width)
    client = Client()
    client.force_login(user)
    tab.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    return tab


def _scan(tab: Tab, what: str) -> None:
    """No sideways scroll, no script error, no serious or critical axe violation."""
    _check(tab.page, tab.errors, f"{what} {tab.language} {tab.width}", tab.width)


def _qr_urls(pdf: bytes) -> list[str]:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    return [code.text for image in page.images for code in zxingcpp.read_barcodes(image.image)]


def _verify_page_shows(tab: Tab, url: str, status: str, sentence: str, licence: Licence) -> None:
    page = tab.page
    page.goto(url)
    page.locator(f"[data-status={status}]").wait_for()
    text = page.locator("main").inner_text()
    assert tab.t(sentence) in page.locator(f"[data-status={status}]").inner_text()
    with translation.override(tab.language):
        label = str(SimRecordStatus(status).label)
    assert label in text, f"the verify page does not show {label!r}"
    assert licence.number in text
    assert page.evaluate("document.documentElement.lang") == tab.language


@pytest.mark.parametrize(("language", "width"), [("km", 390), ("en", 1280)])
def test_approval_download_and_verification(browser, portal, applicant, business, service, language, width):
    team = review_factories.team_for(service)
    application = review_factories.recommended(applicant, service, business, team)
    approver = _signed_in(browser, portal.url, team.approver, "approver", language, width)
    holder = _signed_in(browser, portal.url, applicant, "applicant", language, width)
    try:
        # The approver claims and approves on the review screen (the decision step has no checklist).
        approver.page.goto(f"{portal.url}/backoffice/review/{application.public_id}/")
        approver.page.get_by_test_id("review-screen").wait_for()
        approver.settle("screen")
        _claim(approver)
        _act(approver, "approve", message=APPROVE_MESSAGE)
        application.refresh_from_db()
        assert application.status == Status.APPROVED

        # The chain ran on the approval's commit: one licence, numbered, registered, rendered, valid.
        licence = Licence.objects.get(application=application)
        assert licence.status == LicenceStatus.VALID, licence.issue_error
        assert licence.number and licence.verification_url.startswith(f"{portal.url}/sandbox/verify/verify/")

        # The applicant downloads it from the application's status page.
        page = holder.page
        page.goto(f"{portal.url}/applications/{application.public_id}/")
        link = page.get_by_test_id("download-licence")
        assert link.inner_text().strip() == holder.t("Download your licence")
        holder.settle("status-page")
        with page.expect_download() as download:
            link.click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")

        # The holder's licence page passes axe.
        page.goto(f"{portal.url}/licences/{licence.public_id}/")
        assert licence.number in page.locator("main").inner_text()
        _scan(holder, "licence page")

        # The QR opens verify.gov.kh (the simulator): valid, with the licence number, in the page's language.
        urls = _qr_urls(pdf)
        assert urls == [licence.verification_url]
        _verify_page_shows(holder, urls[0], "VALID", "This document is valid.", licence)
        _scan(holder, "verify page")

        # An officer revokes it in the back-office register; the same URL shows it revoked at once.
        officer_page = approver.page
        officer_page.goto(f"{portal.url}/backoffice/licences/{licence.public_id}/")
        officer_page.get_by_test_id("licence-detail").wait_for()
        approver.settle("register-licence")
        revoke_button = officer_page.get_by_test_id("do-revoke")
        revoke = officer_page.locator("details.rv-action").filter(has=revoke_button)
        revoke.locator("summary").click()
        revoke.locator("textarea[name=reason]").fill(REVOKE_REASON)
        revoke.get_by_test_id("do-revoke").click()
        officer_page.get_by_test_id("licence-detail").wait_for()
        with translation.override(language):
            revoked = str(LicenceStatus.REVOKED.label)
        assert officer_page.get_by_test_id("licence-status").inner_text().strip() == revoked
        approver.settle("revoked")
        licence.refresh_from_db()
        assert licence.status == LicenceStatus.REVOKED

        _verify_page_shows(
            holder, urls[0], "REVOKED", "This document has been revoked: it is no longer valid.", licence
        )
        # The officer's words stay with the holder and the officers; the public page gives the fixed wording.
        public_text = holder.page.locator("main").inner_text()
        assert REVOKE_REASON not in public_text
        assert PUBLIC_REASONS[LicenceStatus.REVOKED] in public_text
        _scan(holder, "verify page revoked")
    finally:
        approver.close()
        holder.close()


@pytest.mark.parametrize(("language", "width"), [("km", 390), ("en", 1280)])
def test_a_stuck_licence_is_issued_again_from_the_register(
    browser, portal, applicant, business, service, monkeypatch, language, width
):
    team = review_factories.team_for(service)
    application = review_factories.recommended(applicant, service, business, team)

    def font_missing(licence):
        raise OSError("the Khmer font file is missing")

    # The approval's chain stops at the document: the licence stays PENDING with the error.
    monkeypatch.setattr(rendering, "render_licence", font_missing)
    review_factories.act(team.approver, application, "claim")
    review_factories.act(team.approver, application, "approve", message=APPROVE_MESSAGE)
    licence = Licence.objects.get(application=application)
    assert licence.status == LicenceStatus.PENDING and "font file is missing" in licence.issue_error
    monkeypatch.undo()  # the cause is fixed

    officer = _signed_in(browser, portal.url, team.approver, "approver", language, width)
    try:
        page = officer.page
        page.goto(f"{portal.url}/backoffice/licences/?status={LicenceStatus.PENDING}")
        row = page.get_by_test_id("register-row")
        assert row.count() == 1
        assert "font file is missing" in row.get_by_test_id("register-issue-error").inner_text()
        _scan(officer, "register being issued")
        row.get_by_role("link").first.click()
        page.get_by_test_id("licence-detail").wait_for()
        assert "font file is missing" in page.get_by_test_id("issue-error").inner_text()
        _scan(officer, "stuck licence")

        button = page.get_by_test_id("do-retry-issuance")
        assert button.inner_text().strip() == officer.t("Try issuing again")
        button.click()
        page.get_by_test_id("licence-detail").wait_for()
        with translation.override(language):
            valid = str(LicenceStatus.VALID.label)
        assert page.get_by_test_id("licence-status").inner_text().strip() == valid
        assert page.get_by_test_id("do-retry-issuance").count() == 0
        assert page.get_by_test_id("issue-error").count() == 0
        officer.settle("issued again")
        licence.refresh_from_db()
        assert licence.status == LicenceStatus.VALID and licence.number and licence.issue_error == ""
    finally:
        officer.close()
