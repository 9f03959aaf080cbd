"""Branding from settings: colours (with WCAG contrast guarantees), names, logo, back-office theme."""

import pytest
from django.test import override_settings
from django.urls import reverse

from esb import branding
from tests.frontend.html import Page

WHITE = (255, 255, 255)
FOOTER_GREY = (241, 243, 245)


def _brand(**overrides):
    from django.conf import settings

    return override_settings(ESB_BRANDING={**settings.ESB_BRANDING, **overrides})


@pytest.mark.parametrize("color", ["#0b3d91", "#ffcc00", "#e0f2fe", "#7a1f1f", "#00a651", "#fff"])
def test_palette_keeps_text_contrast_aa_for_any_brand_colour(color):
    with _brand(PRIMARY_COLOR=color):
        palette = branding.palette()

    primary = branding.parse_hex(palette["primary"])
    assert branding.contrast_ratio(branding.parse_hex(palette["on_primary"]), primary) >= 4.5
    link = branding.parse_hex(palette["link"])
    assert branding.contrast_ratio(link, WHITE) >= 4.5
    assert branding.contrast_ratio(link, FOOTER_GREY) >= 4.5


def test_light_brand_colour_gets_dark_text_on_it():
    with _brand(PRIMARY_COLOR="#ffcc00"):
        palette = branding.palette()

    assert palette["primary"] == "#ffcc00"
    assert palette["on_primary"] != "#ffffff"


@pytest.mark.parametrize("bad", ["red;}body{display:none", "#12345", "url(javascript:x)", "", "0b3d91"])
def test_an_invalid_colour_setting_falls_back_instead_of_reaching_css(bad):
    with _brand(PRIMARY_COLOR=bad):
        palette = branding.palette()

    assert palette["primary"] == branding.DEFAULT_PRIMARY


@pytest.mark.django_db
def test_branding_css_serves_the_configured_colour(client):
    with _brand(PRIMARY_COLOR="#7A1F1F"):
        css = client.get(reverse("branding-css")).content.decode()
        version = branding.palette_version()

    assert "--esb-primary: #7a1f1f;" in css
    assert "--esb-primary-rgb: 122, 31, 31;" in css
    assert version != branding.palette_version(), "the cache-busting version follows the colour"


@pytest.mark.django_db
def test_pages_link_the_versioned_branding_css(client):
    page = Page(client.get(reverse("home")).content.decode())

    hrefs = [link.get("href") for link in page.all("link", rel="stylesheet")]
    assert f"{reverse('branding-css')}?v={branding.palette_version()}" in hrefs
    # after portal.css, so the institution's colours override the defaults
    assert hrefs.index(f"{reverse('branding-css')}?v={branding.palette_version()}") > next(
        i for i, h in enumerate(hrefs) if h.endswith("portal.css")
    )


@pytest.mark.django_db
def test_names_come_from_settings_in_each_language(client_in):
    with _brand(
        PORTAL_NAME_EN="Ministry Licences",
        PORTAL_NAME_KM="អាជ្ញាប័ណ្ណក្រសួង",
        INSTITUTION_NAME_EN="Ministry of Examples",
        INSTITUTION_NAME_KM="ក្រសួងឧទាហរណ៍",
    ):
        english = client_in("en").get("/").content.decode()
        khmer = client_in("km").get("/").content.decode()

    assert "Ministry Licences" in english and "Ministry of Examples" in english
    assert "អាជ្ញាប័ណ្ណក្រសួង" in khmer and "ក្រសួងឧទាហរណ៍" in khmer
    assert "Ministry of Examples" not in khmer


def test_missing_logo_falls_back_to_the_default(monkeypatch):
    real_static = branding.static

    def manifest_static(path):
        if path != branding.DEFAULT_LOGO:
            raise ValueError(f"Missing staticfiles manifest entry for '{path}'")
        return real_static(path)

    monkeypatch.setattr(branding, "static", manifest_static)
    with _brand(LOGO_STATIC_PATH="ministry/missing.svg"):
        assert branding.logo_url().endswith(branding.DEFAULT_LOGO)


def test_unfold_scale_keeps_the_brand_hue():
    with _brand(PRIMARY_COLOR="#7a1f1f"):
        scale = branding.unfold_primary_scale()
        _l, _c, hue = branding.to_oklch((0x7A, 0x1F, 0x1F))

    assert list(scale) == ["50", "100", "200", "300", "400", "500", "600", "700", "800", "900", "950"]
    for value in scale.values():
        assert value.startswith("oklch(") and f"{hue:.1f})" in value
    # unfold puts white text on primary-600: it must stay dark
    assert scale["600"].startswith("oklch(45%")


@pytest.mark.django_db
def test_backoffice_login_is_branded_and_has_a_language_switch(client_in):
    response = client_in("en").get(reverse("admin:login") + "?next=/backoffice/")
    body = response.content.decode()
    page = Page(body)

    assert response.status_code == 200
    assert page.one("html").get("lang") == "en"
    hrefs = [link.get("href") for link in page.all("link")]
    assert any(h.endswith("esb/css/backoffice.css") for h in hrefs)
    assert any(h.endswith("esb/css/fonts.css") for h in hrefs)
    assert any(h.endswith("esb/img/favicon.svg") for h in hrefs)
    assert "--color-primary-600: oklch(" in body
    form = page.one("form", action=reverse("set_language"))
    assert form
    assert page.one("input", name="next").get("value") == "/backoffice/login/?next=/backoffice/"
    labels = {b.get("value"): b.text.strip() for b in page.all("button", name="language")}
    assert labels == {"km": "ខ្មែរ", "en": "English"}


@pytest.mark.django_db
def test_backoffice_user_menu_language_switch_returns_to_the_same_page(client_in, django_user_model):
    officer = django_user_model.objects.create_superuser(
        "officer-fe", "officer@example.org", "pw-unused-123456"
    )
    client = client_in("km")
    client.force_login(officer)

    response = client.get(reverse("admin:index") + "?tab=1")
    page = Page(response.content.decode())

    assert response.status_code == 200
    forms = page.all("form", action=reverse("set_language"))
    assert len(forms) == 2, "unfold renders one form per language in the user menu"
    # `next` is the current page (UNFOLD["GLOBAL_CALLBACK"]), not left to the Referer header
    assert {i.get("value") for i in page.all("input", name="next")} == {"/backoffice/?tab=1"}
    assert {i.get("value") for i in page.all("input", name="language")} == {"km", "en"}
    assert "ខ្មែរ" in response.content.decode(), "languages are named in their own script"
