"""The API documentation pages in a real browser, under the portal's Content Security Policy: Swagger UI lists
the Part 5 operations and ReDoc renders the document, with no CSP violation and nothing from another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
# ReDoc's footer always tries to show Redocly's logo from their CDN (it hides the image when it fails): the
# CSP blocks it, which is the policy doing its job, not a broken page.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/api/v1/docs/", "#operations-applications-applications_info"),
        ("/api/v1/redoc/", 'h2:has-text("1. Get all applications (applications_info)")'),
    ],
)
def test_documentation_page_renders_under_the_csp(browser, live_server, path, rendered):
    page = browser.new_page()
    problems: list[str] = []
    foreign: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and REDOC_LOGO not in m.text else None,
    )
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            foreign.append(r.url)
            if r.url.startswith("http")
            and r.url != REDOC_LOGO
            and urlsplit(r.url).netloc != urlsplit(live_server.url).netloc
            else None
        ),
    )
    try:
        page.goto(live_server.url + path, wait_until="networkidle")
        page.locator(rendered).first.wait_for(state="attached", timeout=15000)
        assert not [p for p in problems if "404" not in p], problems
        assert not missing, missing
        assert not foreign
    finally:
        page.close()
