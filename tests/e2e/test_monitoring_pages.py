"""The status pages of member systems in a real browser: the back-office "System status" page and the public
/status/ page, in Khmer and English at 390 and 1280 px — no sideways scrolling, no script error, no serious or
critical axe violation (every bar has its text alternative; the daily table opened)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.utils import timezone

from monitoring import services
from monitoring.models import DailyRollup
from tests.monitoring.conftest import DOWN, UP, make_system, officer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()


@pytest.fixture
def watched(live_server, settings):
    settings.ESB_PUBLIC_STATUS_PAGE = True
    today = timezone.localdate()
    for code, name_en, name_km in (
        ("mot-eservice", "Ministry of Tourism e-service (sandbox)", "សេវាអេឡិចត្រូនិកក្រសួងទេសចរណ៍ (សាកល្បង)"),
        ("camdigikey", "CamDigiKey (sandbox)", "CamDigiKey (សាកល្បង)"),
    ):
        system = make_system(code, name_en=name_en, name_km=name_km)
        for back in range(1, 60):
            uptime = Decimal("100") if back % 17 else Decimal("92.5")
            DailyRollup.objects.create(
                system=system,
                day=today - datetime.timedelta(days=back),
                probes=2880,
                up=2800,
                slow=0,
                down=80,
                uptime_percent=uptime,
                p50_ms=40,
                p95_ms=120,
            )
        now = timezone.now()
        answers = [UP, DOWN, DOWN, DOWN, UP, DOWN, DOWN, DOWN] if code == "mot-eservice" else [UP]
        for n, answer in enumerate(answers):
            moment = now - datetime.timedelta(seconds=30 * (len(answers) - n))
            services.record_answer(system.pk, int(moment.timestamp()), answer, checked_at=moment)
    services.fold_recent()
    client = Client()
    client.force_login(officer("OFF-MON-E2E", "system_administrator"))
    return live_server.url, client.cookies["sessionid"].value


def _check(browser, url: str, language: str, width: int, cookies: list[dict]) -> list[str]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": url}, *cookies])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert page.evaluate("document.documentElement.lang") == language
        problems = [f"{url}@{width}/{language}: script error {e}" for e in errors]
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{url}@{width}/{language}: {scroll}px wide")
        assert page.locator("ol.mon-bars").count() == 2
        assert page.locator("ol.mon-bars li").count() == 2 * 90
        problems += [
            f"{url}@{width}/{language}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        return problems
    finally:
        context.close()


def test_status_pages_are_accessible_in_both_languages_on_a_phone_and_a_wide_screen(browser, watched):
    base, session = watched
    officer_cookies = [{"name": "sessionid", "value": session, "url": base}]
    problems: list[str] = []
    for language in ("km", "en"):
        for width in (390, 1280):
            problems += _check(browser, f"{base}/backoffice/status/", language, width, officer_cookies)
            problems += _check(browser, f"{base}/status/", language, width, [])
    assert not problems, "\n".join(problems)
