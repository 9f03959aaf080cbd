"""The notification settings page in a real browser at 390 px in Khmer: axe finds nothing serious, the page
fits; a phone verified with the code sent by SMS; Telegram linked through the simulator's deep link and
Start button (over real HTTP to the portal's webhook); then Telegram turned off."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import User
from notifications.models import ChannelSubscription, OutgoingMessage
from sandbox.demo import seed
from sandbox.sms.testing import use_live_sms
from sandbox.telegram.testing import use_live_telegram
from tests.e2e.test_applicant_journey import AXE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def _axe_problems(page) -> list[str]:
    problems = [
        f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
        for v in AXE.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        problems.append(f"page is {width}px wide")
    return problems


def test_opt_in_page_in_khmer_at_phone_width(browser, live_server, settings):
    use_live_telegram(settings, live_server.url)
    use_live_sms(settings, live_server.url)
    seed()
    user = User.objects.create_user(username="sokha", full_name_km="សុខា", preferred_language="km")
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": WIDTH, "height": 844})
    context.add_cookies(
        [
            {"name": "django_language", "value": "km", "url": live_server.url},
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/notifications/settings/")
    assert page.evaluate("document.documentElement.lang") == "km"
    assert _axe_problems(page) == []

    # A wrong number first: a message in Khmer, the input kept.
    page.locator("#id_phone").fill("12")
    page.get_by_test_id("sms-send-code").click()
    assert page.locator("#id_phone_error").is_visible() and page.locator("#id_phone").input_value() == "12"
    assert _axe_problems(page) == []
    page.locator("#id_phone").fill("០១២ ៣៤៥ ៦៧៨")
    page.get_by_test_id("sms-send-code").click()
    code = re.search(r"\d{6}", OutgoingMessage.objects.get(purpose="verification").text).group(0)
    page.locator("#id_code").fill(code)
    page.get_by_test_id("sms-confirm").click()
    assert page.get_by_test_id("sms-toggle").is_visible()
    assert ChannelSubscription.objects.get(user=user, channel="sms").destination == "+85512345678"
    assert _axe_problems(page) == []

    page.get_by_test_id("telegram-link").click()
    deep_link = page.get_by_test_id("telegram-deep-link")
    assert "?start=" in deep_link.get_attribute("href")
    assert _axe_problems(page) == []
    deep_link.click()
    page.locator("#id_chat_id").fill("700500")
    page.get_by_test_id("telegram-start").click()
    page.wait_for_url(re.compile(r"/sandbox/telegram/$"))
    assert ChannelSubscription.objects.get(user=user, channel="telegram").destination == "700500"

    page.goto(f"{live_server.url}/notifications/settings/")
    page.get_by_test_id("telegram-toggle").click()
    assert not ChannelSubscription.objects.get(user=user, channel="telegram").enabled
    assert _axe_problems(page) == []
    context.close()
