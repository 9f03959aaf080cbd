"""The shell every page shares: language, landmarks, skip link, language switch, branding."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from tests.frontend.html import Page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "name_key"),
    [("km", "PORTAL_NAME_KM"), ("en", "PORTAL_NAME_EN")],
)
def test_home_renders_in_the_active_language(client_in, language, name_key):
    response = client_in(language).get(reverse("home"))

    assert response.status_code == 200
    assert response["Content-Language"] == language
    page = Page(response.content.decode())
    assert page.one("html").get("lang") == language
    assert settings.ESB_BRANDING[name_key] in page.one("h1").text


def test_default_language_is_khmer(client):
    response = client.get(reverse("home"))  # no cookie, no Accept-Language

    assert Page(response.content.decode()).one("html").get("lang") == "km"


def test_skip_link_is_the_first_focusable_element_and_targets_main(client):
    page = Page(client.get(reverse("home")).content.decode())

    first = page.focusable()[0]
    assert "esb-skip-link" in first.classes
    assert first.get("href") == "#main"
    assert page.by_id("main").tag == "main"


def test_page_has_header_nav_main_and_footer_landmarks(client):
    page = Page(client.get(reverse("home")).content.decode())

    assert len(page.all("header")) == 1
    assert len(page.all("main")) == 1
    assert len(page.all("footer")) == 1
    navs = page.all("nav")
    assert navs and all(nav.get("aria-label") for nav in navs), "every <nav> needs a name"


def test_footer_shows_the_support_contacts(client):
    page = Page(client.get(reverse("home")).content.decode())

    hrefs = {a.get("href") for a in page.all("a")}
    assert f"mailto:{settings.ESB_BRANDING['SUPPORT_EMAIL']}" in hrefs
    assert any(h and h.startswith("tel:+") and " " not in h for h in hrefs)


def test_header_logo_and_stylesheets_come_from_our_origin(client):
    page = Page(client.get(reverse("home")).content.decode())

    logo = page.with_class("esb-brand__logo")[0]
    assert logo.get("src").endswith(settings.ESB_BRANDING["LOGO_STATIC_PATH"])
    assert logo.get("alt") == "", "the portal name beside it already names the link"
    for link in page.all("link"):
        assert link.get("href").startswith("/"), link.get("href")
    for script in page.all("script"):
        assert script.get("src").startswith(("/static/vendor/", "/static/esb/js/")), script.attrs


@pytest.mark.parametrize("language", ["km", "en"])
def test_language_switch_posts_the_current_full_path(client_in, language):
    response = client_in(language).get("/?q=shop&page=2")
    page = Page(response.content.decode())

    form = page.one("form", action=reverse("set_language"))
    assert form.get("method") == "post"
    assert page.one("input", name="next").get("value") == "/?q=shop&page=2"
    assert page.all("input", name="csrfmiddlewaretoken")
    buttons = {b.get("value"): b for b in page.all("button", name="language")}
    assert set(buttons) == {code for code, _ in settings.LANGUAGES}
    assert "ខ្មែរ" in buttons["km"].text and "English" in buttons["en"].text
    assert buttons["km"].get("lang") == "km"
    current = [code for code, b in buttons.items() if b.get("aria-current") == "true"]
    assert current == [language]


def test_language_switch_keeps_the_page_and_query_string(client_in):
    client = client_in("km", enforce_csrf_checks=True)
    page = Page(client.get("/?q=shop&page=2").content.decode())
    token = page.one("input", name="csrfmiddlewaretoken").get("value")
    next_url = page.one("input", name="next").get("value")

    response = client.post(
        reverse("set_language"), {"csrfmiddlewaretoken": token, "next": next_url, "language": "en"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/?q=shop&page=2"
    follow = client.get(response["Location"])
    assert Page(follow.content.decode()).one("html").get("lang") == "en"


@pytest.mark.parametrize(
    "unsafe_next", ["https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)"]
)
def test_language_switch_does_not_follow_an_external_next(client, unsafe_next):
    response = client.post(reverse("set_language"), {"next": unsafe_next, "language": "en"})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert not response["Location"].startswith("javascript:")
    assert response["Location"] == "/"


def test_htmx_is_loaded_and_configured_not_to_inject_styles_or_eval(client):
    page = Page(client.get(reverse("home")).content.decode())

    assert any(s.get("src", "").endswith("vendor/htmx/htmx.min.js") for s in page.all("script"))
    config = json.loads(page.one("meta", name="htmx-config").get("content"))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    # htmx requests carry the CSRF token
    headers = json.loads(page.one("body").get("hx-headers"))
    assert headers["X-CSRFToken"]


def test_breadcrumbs_render_from_context(rf):
    from django.template.loader import render_to_string

    html = render_to_string(
        "includes/breadcrumbs.html",
        {"breadcrumbs": [("Home", "/"), ("Services", "/services/"), ("Shop", "")]},
    )
    page = Page(html)

    assert page.one("nav").get("aria-label")
    items = page.all("li")
    assert [li.text.strip() for li in items] == ["Home", "Services", "Shop"]
    assert items[-1].get("aria-current") == "page"
    assert [a.get("href") for a in page.all("a")] == ["/", "/services/"]


def test_messages_use_alert_roles():
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = {}
    storage = FallbackStorage(request)
    storage.add(40, "Broken")  # ERROR
    storage.add(25, "Saved")  # SUCCESS
    html = render_to_string("includes/messages.html", {"messages": storage})
    alerts = Page(html).with_class("alert")

    assert [(a.get("role"), "alert-danger" in a.classes) for a in alerts] == [
        ("alert", True),
        ("status", False),
    ]


def test_pages_can_add_items_to_the_main_menu(rf):
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block nav_items %}{{ block.super }}'
        '<li><a class="esb-nav__link" href="/extra/">Extra</a></li>{% endblock %}'
    )
    request = rf.get("/extra/")
    page = Page(template.render({}, request))

    links = [a.get("href") for a in page.all("a", **{"class": "esb-nav__link"})]
    assert links == ["/", "/services/", "/help/", "/extra/"]
