"""The header: labels centred in their buttons, a compact header on a phone when logged in (account area and
main menu fold into <details> menus), one separator in every page title."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from esb.templatetags.esb_ui import TITLE_SEPARATOR
from tests.frontend.html import Page

ROOT = Path(settings.BASE_DIR)
# Login pages of the accounts work (another branch) still write their own "· portal"; see docs/frontend.md.
NOT_YET_SWITCHED = {"accounts/login.html", "accounts/login_failed.html", "accounts/lockout.html"}
TITLE_BLOCK = re.compile(r"{% block title %}(.*?){% endblock %}", re.S)


def test_page_titles_give_only_their_parts_and_use_the_one_separator():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        name = str(path.relative_to(ROOT / "templates"))
        if name in NOT_YET_SWITCHED or name.startswith("unfold/") or name == "accounts/backoffice_login.html":
            continue
        for body in TITLE_BLOCK.findall(path.read_text(encoding="utf-8")):
            if re.search(r"\s[–—·|]\s|block\.super|portal_name", body):
                offenders.append(f"{name}: {body}")
    assert offenders == []


@pytest.mark.django_db
def test_rendered_titles_end_with_the_portal_name_after_the_separator(client: Client, settings):
    portal = Page(client.get(reverse("home")).content.decode()).one("title").text.strip()
    services = Page(client.get(reverse("catalog:list")).content.decode()).one("title").text.strip()
    missing = Page(client.get("/no-such-page/").content.decode()).one("title").text.strip()

    assert TITLE_SEPARATOR not in portal
    assert services == f"Services{TITLE_SEPARATOR}{portal}" or services.endswith(f"{TITLE_SEPARATOR}{portal}")
    assert missing.endswith(f"{TITLE_SEPARATOR}{portal}") and missing.count(TITLE_SEPARATOR) == 1


@pytest.mark.django_db
def test_logged_in_header_folds_into_menus_that_work_without_javascript(client: Client):
    user = User.objects.create_user(username="header", full_name_en="Sovannara Heng", email="h@example.com")
    client.force_login(user)
    page = Page(client.get(reverse("catalog:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode())

    menus = [d for d in page.all("details") if "esb-menu" in d.classes]
    assert len(menus) == 2  # main menu and account
    assert all(d.get("open") is None for d in menus)  # closed until opened (or widened by portal.js)
    assert page.all("button", type="submit")  # log out stays a plain POST form inside the menu


@pytest.fixture
def logged_in_page(browser, live_server):
    contexts = []

    def open_(path: str, language: str, width: int, height: int = 844):
        user, _ = User.objects.get_or_create(
            username="header-e2e", defaults={"full_name_en": "Sovannara Heng", "full_name_km": "ហេង សុវណ្ណារ៉ា"}
        )
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies(
            [
                {"name": "django_language", "value": language, "url": live_server.url},
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + path, wait_until="networkidle")
        return page

    yield open_
    for context in contexts:
        context.close()


CENTRE_OFFSETS = """
() => [...document.querySelectorAll('.esb-header .esb-lang__button')]
  .filter(el => el.offsetParent !== null && el.textContent.trim())
  .map(el => {
    const box = el.getBoundingClientRect();
    // the visible text only (a visually-hidden prefix is clipped out of the layout)
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let top = Infinity, bottom = -Infinity;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.textContent.trim() || node.parentElement.closest('.visually-hidden')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rect = range.getBoundingClientRect();
      top = Math.min(top, rect.top);
      bottom = Math.max(bottom, rect.bottom);
    }
    return [el.textContent.trim(), Math.abs((top + bottom) / 2 - (box.top + box.bottom) / 2)];
  })
"""


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["km", "en"])
def test_logged_in_header_at_phone_width_is_compact_and_its_menus_open(logged_in_page, language):
    page = logged_in_page("/services/", language, 390)

    height = page.evaluate("document.querySelector('.esb-header').getBoundingClientRect().height")
    assert height <= 120, f"header is {height} px of 844"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    offsets = page.evaluate(CENTRE_OFFSETS)
    assert offsets and max(offset for _label, offset in offsets) <= 2, offsets

    page.click(".esb-menu--account > summary")
    assert page.is_visible("form[action$='/logout/'] button")
    page.click(".esb-menu--account > summary")  # closes it again
    page.click(".esb-menu--nav > summary")
    assert page.is_visible(".esb-nav__link[href='/services/']")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_wide_header_shows_links_and_account_without_toggles(logged_in_page):
    page = logged_in_page("/services/", "en", 1280, 900)

    assert not page.is_visible(".esb-menu--nav > summary")
    assert page.is_visible(".esb-nav__link[href='/services/']")
    assert page.is_visible("form[action$='/logout/'] button")
    offsets = page.evaluate(CENTRE_OFFSETS)
    assert offsets and max(offset for _label, offset in offsets) <= 2, offsets
