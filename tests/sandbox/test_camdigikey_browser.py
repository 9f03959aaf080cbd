"""The simulated CamDigiKey login page in a real browser: the QR code shows under the CSP, the approve
button posts and the browser lands on the callback with a usable authToken."""

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
        page.get_by_test_id("identity-OFF-MOC-001").check()
        with page.expect_navigation():
            page.get_by_test_id("approve").click()
        assert page.url.startswith(landing)
        query = parse_qs(urlsplit(page.url).query)
        assert query["state"] == ["e2e"]
        profile = cdk.validate_user_token(cdk.get_user_access_token(query["authToken"][0]))
        assert profile.personal_code == "OFF-MOC-001"
        assert problems == []
    finally:
        context.close()
