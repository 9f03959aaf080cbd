"""The shell in a real browser (Debian's Chromium through Playwright): CSP leaves every page working,
the Khmer font loads, nothing overflows at 320 px, the language switches keep the page, and the
home page has no axe-core WCAG 2.1 A/AA violation."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_(path: str, language: str, width: int):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.problems = []  # console errors, CSP violations, failed requests
        page.on("console", lambda m: page.problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
        page.on(
            "response", lambda r: page.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
        )
        page.goto(live_server.url + path, wait_until="networkidle")
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("language", ["km", "en"])
def test_home_works_at_every_width(open_page, language, width):
    page = open_page("/", language, width)

    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "horizontal scrolling"
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("Noto Sans Khmer" in family for family in loaded)
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Noto Sans Khmer"')
    assert page.evaluate("typeof htmx") == "object", "htmx loaded"
    assert not page.problems


def test_keyboard_user_reaches_the_skip_link_first(open_page):
    page = open_page("/", "en", 320)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "esb-skip-link"
    assert page.evaluate("getComputedStyle(document.activeElement).transform") == "none", "visible on focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_language_switch_keeps_page_and_query_without_javascript_help(open_page):
    page = open_page("/?q=shop&page=2", "km", 320)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith("/?q=shop&page=2")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("button[aria-current=true]").inner_text() == "English"


def test_home_has_no_axe_wcag_aa_violation(open_page):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    page = open_page("/", "en", 1280)

    results = axe_module.Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )

    violations = [(v["id"], len(v["nodes"])) for v in results.response["violations"]]
    assert violations == []


def test_backoffice_works_under_the_csp(open_page, django_user_model):
    django_user_model.objects.create_superuser("e2e-officer", "e2e@example.org", "e2e-password-123456")
    page = open_page("/backoffice/login/?next=/backoffice/", "km", 320)
    assert not page.problems, "unfold's Alpine.js is blocked"

    # language switch of the login page
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "/backoffice/login/" in page.url and "next=/backoffice/" in page.url

    page.fill("#id_username", "e2e-officer")
    page.fill("#id_password", "e2e-password-123456")
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/backoffice/")
    assert not page.problems

    # the user menu is an Alpine dropdown: opening it proves Alpine runs
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("[x-on\\:click='openUserLinks = !openUserLinks']").click()
    page.locator("form[action='/i18n/setlang/'] button", has_text="ខ្មែរ").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/backoffice/")
    assert page.evaluate("document.documentElement.lang") == "km"
    assert not page.problems
