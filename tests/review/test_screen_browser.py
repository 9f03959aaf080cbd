"""The queue and the review screen in a real browser, in Khmer and English, at 390 px and 1280 px: no
horizontal scrolling, the screen's two columns on a wide screen and one on a phone, no script error, no
serious or critical axe violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import transaction
from django.test import Client

from registry.models import Country
from tests.review import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
AXE = Axe()
BOXES = """() => ['#rv-answers-title', '#rv-panel-title'].map(selector => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return [box.left, box.top];
})"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference(reference_data):
    """Reference data and the consent texts again when an earlier transactional test's flush removed them
    (pytest-django runs those tests last, one after the other)."""
    from privacy import demo as privacy_demo

    privacy_demo.seed()
    if not Country.objects.exists():
        from registry.reference_loader import load_countries, load_gazetteer, load_isic

        with transaction.atomic():
            load_countries()
            load_gazetteer()
            load_isic()


def _open(browser, base: str, user, language: str, width: int):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base},
            {"name": "django_language", "value": language, "url": base},
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _check(page, errors, what: str, width: int) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what}: scrolls sideways"
    assert not errors, f"{what}: {errors}"
    violations = [
        (v["id"], [node["target"] for node in v["nodes"]][:3])
        for v in AXE.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations, f"{what}: {violations}"


def test_queue_and_review_screen_in_both_languages_at_both_widths(
    browser, live_server, reference, applicant, business, service, team
):
    application = factories.forwarded(applicant, service, business, team)
    factories.act(team.technical, application, "claim")
    factories.act(team.technical, application, "comment", note="Payroll says 15; the form says 12.")
    business.house_number = "99B"  # the registry now differs from what was declared
    business.save()
    factories.queued(applicant, service, business)
    screen = f"{live_server.url}/backoffice/review/{application.public_id}/"

    for language in ("km", "en"):
        for width in (390, 1280):
            context, page, errors = _open(browser, live_server.url, team.technical, language, width)
            try:
                page.goto(screen)
                _check(page, errors, f"screen {language} {width}", width)
                assert page.evaluate("document.documentElement.lang") == language
                assert page.locator("[data-testid=registry-difference]").count() == 1
                (answers_x, answers_y), (panel_x, panel_y) = page.evaluate(BOXES)
                if width >= 1280:
                    assert panel_x > answers_x, "the decision panel sits beside the application"
                else:
                    assert panel_y > answers_y and abs(panel_x - answers_x) < 2, "sections stack on a phone"
            finally:
                context.close()

            context, page, errors = _open(browser, live_server.url, team.reception, language, width)
            try:
                page.goto(f"{live_server.url}/backoffice/")  # the officer's landing page is the queue
                _check(page, errors, f"queue {language} {width}", width)
                assert "/backoffice/review/" in page.url
                assert page.locator("[data-testid=queue-row]").count() == 1
            finally:
                context.close()
