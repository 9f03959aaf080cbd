"""Page A3/B1 in a real browser: applicants and officers log in through the CamDigiKey sandbox QR page
(over real HTTP, the same protocol as production), in Khmer and in English, and log out. The back-office
shows an officer only their own institution."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from registry.models import Business, Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def portal(live_server, settings):
    settings.ESB_PUBLIC_BASE_URL = live_server.url
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "BASE_URL": f"{live_server.url}/sandbox/camdigikey"}
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("seed_demo_data", stdout=io.StringIO())
    return live_server


@pytest.fixture
def new_page(browser, portal):
    contexts = []

    def open_(language: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


def _approve_as(page, personal_code: str) -> None:
    page.get_by_test_id("camdigikey-qr").wait_for()
    page.get_by_test_id(f"approve-{personal_code}").click()  # each identity has its own Approve
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["km", "en"])
def test_applicant_logs_in_with_camdigikey_and_out_again(new_page, portal, language):
    owner = Person.objects.filter(business_roles__role="OWNER").order_by("pk").first()
    business = Business.objects.filter(roles__person=owner, roles__role="OWNER").first()
    page = new_page(language, width=320)

    page.goto(f"{portal.url}/accounts/login/")
    assert page.evaluate("document.documentElement.lang") == language
    page.get_by_role("button", name=_in(language, "Log in with CamDigiKey")).click()
    assert "/sandbox/camdigikey/auth/login" in page.url
    _approve_as(page, owner.identity_number)

    assert page.url.startswith(portal.url) and "/sandbox/" not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the account bar overflows a phone"
    header = page.locator("header").inner_text()
    expected_name = owner.first_name_km if language == "km" else owner.first_name_en
    assert expected_name in header
    page.locator(".esb-menu--account > summary").click()  # on a phone the account area is a menu
    options = page.locator("#esb-acting-for option").all_inner_texts()
    assert any(business.name_km in o or business.name_en in o for o in options)

    page.get_by_role("button", name=_in(language, "Log out")).click()
    page.wait_for_load_state("networkidle")
    assert expected_name not in page.locator("header").inner_text()
    assert page.get_by_role("link", name=_in(language, "Log in")).count() >= 1


@pytest.mark.parametrize("language", ["km", "en"])
def test_officer_sees_only_their_institution_in_the_backoffice(new_page, portal, language):
    page = new_page(language)

    page.goto(f"{portal.url}/backoffice/")
    assert "/backoffice/login/" in page.url
    page.locator("#camdigikey-login-form button[type=submit]").click()
    _approve_as(page, "OFF-MOC-001")
    # a reviewing officer lands on their work queue
    assert page.url.rstrip("/").endswith("/backoffice/review")

    page.goto(f"{portal.url}/backoffice/licensing/licencetype/")
    listing = page.locator("#result_list, table").first.inner_text()
    assert "MOC-BN-001" in listing
    assert "MOT-HL-001" not in listing and "MISTI-FP-002" not in listing
    assert page.evaluate("document.documentElement.lang") == language
