"""The applicant journey in a real browser, in Khmer and in English (Part 6 pages 1, 2, 4, 5 and 7):
home → service → apply → CamDigiKey (sandbox, real HTTP) → consent → the form prefilled from the registries
→ leave and resume the draft → upload documents → check answers → change one → submit → confirmation →
timeline. A paid service stops at "payment required". Every page of the journey is scanned with axe at
320 px and 1280 px: no serious or critical violation. The clicks from the home page are counted."""

from __future__ import annotations

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import translation

from applications.models import Application, Status
from licensing.selectors import licence_type_by_code
from registry.models import Business, Person
from tests.applications.factories import one_page_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = one_page_pdf()  # a real PDF: uploads are parsed in full
PNG_HEADER_ONLY = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
AXE = Axe()


@pytest.fixture
def portal(live_server, settings):
    settings.ESB_PUBLIC_BASE_URL = live_server.url
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "BASE_URL": f"{live_server.url}/sandbox/camdigikey"}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("seed_demo_data", stdout=io.StringIO())
    return live_server


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


class Journey:
    """A browser tab that counts the clicks the applicant makes and remembers the pages seen."""

    def __init__(self, page, base_url: str, language: str):
        self.page = page
        self.base = base_url
        self.language = language
        self.clicks = 0
        self.pages: list[str] = []

    def t(self, text: str) -> str:
        return _in(self.language, text)

    def seen(self) -> None:
        self.page.wait_for_load_state("networkidle")
        path = self.page.url.removeprefix(self.base)
        if "/sandbox/" not in path and path not in self.pages:
            self.pages.append(path)

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1
        self.seen()


def _owner_without_applications():
    owner = Person.objects.filter(business_roles__role="OWNER").order_by("pk").first()
    business = Business.objects.filter(roles__person=owner, roles__role="OWNER").first()
    return owner, business


def _log_in_and_consent(journey: Journey, owner) -> None:
    page = journey.page
    journey.click(page.get_by_role("button", name=journey.t("Log in with CamDigiKey")))
    page.get_by_test_id("camdigikey-qr").wait_for()
    journey.click(page.get_by_test_id(f"approve-{owner.identity_number}"))
    # Consent before anything is recorded.
    assert "/my-data/consent/" in page.url
    assert not Application.objects.filter(business__roles__person=owner).exists()
    journey.click(page.locator("#id_agree_camdx"))
    journey.click(page.get_by_role("button", name=journey.t("Save and continue")))


def _scan(browser, base_url: str, language: str, storage_state, paths: list[str]) -> list[str]:
    """axe on every page at 320 and 1280 px; returns 'path@width: rule (impact)' for serious/critical."""
    problems = []
    for width in (320, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, storage_state=storage_state)
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        page = context.new_page()
        for path in paths:
            page.goto(base_url + path)
            page.wait_for_load_state("networkidle")
            for violation in AXE.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    problems.append(f"{path}@{width}: {violation['id']} ({violation['impact']}) {targets}")
            if width == 320:
                overflow = page.evaluate("document.documentElement.scrollWidth")
                if overflow > 320:
                    problems.append(f"{path}@320: page is {overflow}px wide")
        context.close()
    return problems


@pytest.mark.parametrize("language", ["km", "en"])
def test_free_service_end_to_end(browser, portal, language):
    owner, business = _owner_without_applications()
    licence_type = licence_type_by_code("MISTI-HC-001")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page = context.new_page()
    journey = Journey(page, portal.url, language)

    page.goto(portal.url + "/")
    journey.seen()
    assert page.evaluate("document.documentElement.lang") == language
    journey.click(page.locator("nav.esb-nav").get_by_role("link", name=journey.t("Services")))
    journey.click(page.locator(f"main a[href$='/services/{licence_type.code}/']").first)
    journey.click(page.locator(f"main a[href*='/apply/{licence_type.code}/']").first)
    _log_in_and_consent(journey, owner)
    # Straight on to the application.
    journey.click(page.get_by_test_id("start-application"))

    # Part 1: the owner's details come from the person registry and are marked as such.
    assert page.locator("#id_owner_last_name_en").input_value() == owner.last_name_en
    assert page.locator("#id_owner_identity_number").is_disabled()
    assert page.get_by_test_id("prefill-badge").count() >= 8
    journey.click(page.get_by_test_id("save-continue"))

    # Part 2: leave half way and come back from the portal (the draft is saved on every step).
    page.locator("#id_workshop_name_km").fill("សិប្បកម្មតម្បាញ")
    journey.click(page.get_by_test_id("save-exit"))
    assert page.url.endswith("/portal/")
    assert page.get_by_text(licence_type.name_km if language == "km" else licence_type.name_en).count() >= 1
    journey.click(page.get_by_test_id("continue-draft"))
    journey.click(page.get_by_test_id("task-workshop"))
    assert page.locator("#id_workshop_name_km").input_value() == "សិប្បកម្មតម្បាញ"
    # Bad input first: a number in words, with a clear message and nothing lost.
    page.locator("#id_total_employees").fill("many")
    page.locator("#id_craft_types_0").check()
    page.locator("#id_local_materials_0").check()
    journey.click(page.get_by_test_id("save-continue"))
    assert page.get_by_role("alert").count() >= 1
    assert page.locator("#id_workshop_name_km").input_value() == "សិប្បកម្មតម្បាញ"
    journey.seen()
    page.locator("#id_total_employees").fill("១២")  # Khmer digits
    journey.click(page.get_by_test_id("save-continue"))

    # Part 3: documents. A PNG disguised as a PDF is refused; real files pass.
    page.locator("#id_doc_national_id").set_input_files(
        {"name": "id.pdf", "mimeType": "application/pdf", "buffer": PNG}
    )
    page.locator("#id_doc_premises_photos").set_input_files(
        {"name": "premises.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.locator("#id_doc_product_photos").set_input_files(
        {"name": "products.png", "mimeType": "image/png", "buffer": PNG}
    )
    journey.click(page.get_by_test_id("save-continue"))
    assert page.get_by_role("alert").count() >= 1
    # The two valid photos were kept: only the refused file is asked for again.
    assert page.get_by_text("products.png").count() >= 1
    page.locator("#id_doc_national_id").set_input_files(
        {"name": "id-card.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    journey.click(page.get_by_test_id("save-continue"))

    # Check your answers, change one, come back, submit.
    assert "/check/" in page.url
    assert "id-card.pdf" in page.get_by_test_id("answer-doc_national_id").inner_text()
    journey.click(page.get_by_test_id("change-total_employees"))
    page.locator("#id_total_employees").fill("14")
    journey.click(page.get_by_test_id("save-continue"))
    assert "/check/" in page.url
    assert "14" in page.get_by_test_id("answer-total_employees").inner_text()
    journey.click(page.get_by_test_id("submit"))

    application = Application.objects.get(licence_type=licence_type, business=business)
    assert application.status == Status.SUBMITTED and application.business == business
    assert page.get_by_test_id("reference").inner_text().strip() == application.reference
    journey.click(page.get_by_test_id("see-status"))
    timeline = page.get_by_test_id("timeline").inner_text()
    with translation.override(language):
        submitted = application.events.get(to_status=Status.SUBMITTED).title
    assert submitted in timeline

    clicks_to_submit = journey.clicks - 1  # the last click opened the status page
    print(f"\n[{language}] clicks from the home page to a submitted free application: {clicks_to_submit}")
    assert clicks_to_submit <= 22

    # The rest of the portal the journey passes by: dashboard, my data, notifications, help.
    extra = ["/portal/", "/my-data/", "/notifications/", "/help/", "/help/support/", "/help/feedback/"]
    pages = journey.pages + [path for path in extra if path not in journey.pages]
    problems = _scan(browser, portal.url, language, context.storage_state(), pages)
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["km", "en"])
def test_paid_service_stops_at_payment(browser, portal, language):
    owner, business = _owner_without_applications()
    licence_type = licence_type_by_code("MOC-CR-002")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page = context.new_page()
    journey = Journey(page, portal.url, language)

    page.goto(f"{portal.url}/services/{licence_type.code}/")
    journey.seen()
    journey.click(page.locator(f"main a[href*='/apply/{licence_type.code}/']").first)
    _log_in_and_consent(journey, owner)
    if page.locator("input[name=service]").count() > 1:
        page.locator("input[name=service]").first.check()
    journey.click(page.get_by_test_id("start-application"))

    # Business details come from the business registry and cannot be changed.
    assert page.locator("#id_single_id").input_value() == business.single_id
    assert page.locator("#id_single_id").is_disabled()
    journey.click(page.get_by_test_id("save-continue"))
    page.locator("#id_amendment_types_0").check()
    page.locator("#id_effective_date").fill("15/01/2027")
    page.locator("#id_reason").fill("Change of trade name.")
    journey.click(page.get_by_test_id("save-continue"))
    for key in ("doc_commercial_reg_cert", "doc_board_resolution", "doc_national_id"):
        page.locator(f"#id_{key}").set_input_files(
            {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    journey.click(page.get_by_test_id("save-continue"))
    journey.click(page.get_by_test_id("submit"))

    assert "/pay/" in page.url  # "payment required" is the payment page (tests/e2e/test_payment_journey.py)
    page.get_by_test_id("payment-required").wait_for()
    application = Application.objects.get(licence_type=licence_type, business=business)
    assert application.status == Status.DRAFT and application.payment_requested_at is not None
    assert page.get_by_test_id("reference").inner_text().strip() == application.reference

    problems = _scan(browser, portal.url, language, context.storage_state(), journey.pages)
    context.close()
    assert not problems, "\n".join(problems)
