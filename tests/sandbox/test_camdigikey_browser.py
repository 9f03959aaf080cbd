"""The simulated CamDigiKey login page in a real browser: the QR code shows under the CSP, an identity's
Approve button posts and the browser lands on the callback with a usable authToken; on a phone the first
Approve is on the first screen and the search filters as one types."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.camdigikey.client import get_client
from sandbox.camdigikey.testing import use_live_sandbox

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize(("language", "width"), [("km", 320), ("en", 1280)])
def test_a_person_approves_the_login_in_the_browser(browser, live_server, settings, language, width):
    use_live_sandbox(settings, live_server.url)
    cdk = get_client()
    landing = f"{live_server.url}/sandbox-e2e-landing/"
    login = cdk.get_login_token(callback_vars={"state": "e2e"}, success_return_url=landing)

    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(login.login_url, wait_until="networkidle")
        assert page.locator("html").get_attribute("lang") == language
        qr = page.get_by_test_id("camdigikey-qr")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # not blocked by the CSP
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        with page.expect_navigation():
            page.get_by_test_id("approve-OFF-MOC-001").click()
        assert page.url.startswith(landing)
        query = parse_qs(urlsplit(page.url).query)
        assert query["state"] == ["e2e"]
        profile = cdk.validate_user_token(cdk.get_user_access_token(query["authToken"][0]))
        assert profile.personal_code == "OFF-MOC-001"
        assert problems == []
    finally:
        context.close()


def test_on_a_phone_the_first_approve_is_on_the_first_screen_and_the_search_filters_live(
    browser, live_server, settings
):
    use_live_sandbox(settings, live_server.url)
    cdk = get_client()
    landing = f"{live_server.url}/sandbox-e2e-landing/"
    login = cdk.get_login_token(callback_vars={"state": "phone"}, success_return_url=landing)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(login.login_url, wait_until="networkidle")
        first = page.locator("[data-testid^=approve-]").first
        box = first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, box  # no scrolling needed
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        url_before = page.url
        page.get_by_test_id("identity-search").fill("pharma")  # typed, not submitted
        assert page.url.split("&q=")[0] == url_before  # filtered in place, no reload
        visible = page.locator("li[data-testid^=identity-]:visible")
        assert sorted(visible.evaluate_all("rows => rows.map(r => r.dataset.testid)")) == [
            "identity-010456712",
            "identity-010998877",
            "identity-120667788",
        ]
        assert page.get_by_test_id("identity-count").inner_text() == "3 of 40 identities shown"
        assert "q=pharma" in page.url  # kept in the address for a reload or the language switch
        # the filtered page is short: every remaining Approve is on the first screen
        last = page.locator("[data-testid^=approve-]:visible").last.bounding_box()
        assert last is not None and last["y"] + last["height"] <= 844

        page.get_by_test_id("identity-search").fill("")
        assert page.locator("li[data-testid^=identity-]:visible").count() == 40
        page.get_by_test_id("identity-search").fill("C4821937")
        with page.expect_navigation():
            page.get_by_test_id("approve-C4821937").click()
        assert page.url.startswith(landing)
        assert problems == []
    finally:
        context.close()
