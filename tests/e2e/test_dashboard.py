"""The statistics dashboard in a real browser: Khmer at 390 px and English at 1280 px, no sideways
scrolling, no script error, no serious or critical axe violation, every table and chart drawn."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import transaction
from django.test import Client

from dashboard.services import folding
from registry.models import Country
from tests.dashboard.conftest import _english, applicant, business, history, owner  # noqa: F401
from tests.dashboard.scenario import D1, D3

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
AXE = Axe()
TABLES = ["summary", "by-month", "by-year", "by-service", "fees-by-method", "fees-by-service", "durations"]
TABLES += ["funnel", "by-province"]


@pytest.fixture
def reference(reference_data):
    """Reference data and consent texts again when an earlier transactional test's flush removed them."""
    from privacy import demo as privacy_demo

    privacy_demo.seed()
    if not Country.objects.exists():
        from registry.reference_loader import load_countries, load_gazetteer, load_isic

        with transaction.atomic():
            load_countries()
            load_gazetteer()
            load_isic()


@pytest.mark.parametrize(("language", "width"), [("km", 390), ("en", 1280)])
def test_dashboard_in_a_browser(browser, live_server, reference, history, language, width):  # noqa: F811
    folding.fold()
    client = Client()
    client.force_login(history.national)
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/backoffice/dashboard/?start={D1.isoformat()}&end={D3.isoformat()}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"
        assert not errors, errors
        for testid in TABLES:
            assert page.locator(f"[data-testid={testid}] tbody tr").count() >= 1, testid
        assert page.locator("svg.dash-chart rect").count() >= 10
        violations = [
            (v["id"], [node["target"] for node in v["nodes"]][:3])
            for v in AXE.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not violations, violations
    finally:
        context.close()
