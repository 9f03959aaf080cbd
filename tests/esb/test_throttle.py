"""Rate limits on the anonymous doors that write, and the bound on what one client adds to the audit trail.

The attack of issue 9: 200 anonymous requests in 1.3 s wrote 200 permanent audit rows. Each door is
hammered here; past its limit it answers 429 (with Retry-After) without running the view, and the audit
trail gains at most `limit` rows plus one summarising `throttle.refused` row per window.
"""

from __future__ import annotations

import pytest

from accounts.camdigikey import errors as cdk_errors
from accounts.identity_providers import CAMDIGIKEY, identity_providers
from esb import throttle
from esb.models import AuditEvent
from esb.throttle import Rate, rate_for
from tests.accounts.support import FakeCamDigiKeyClient, FakeProvider

pytestmark = pytest.mark.django_db

HAMMER = 60
ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}
ERROR_URL = "/accounts/camdigikey/error/?errorCode=X"
CALLBACK_URL = "/accounts/camdigikey/callback/"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _hammer(send, times=HAMMER) -> list[int]:
    return [send(n).status_code for n in range(times)]


def _assert_bounded(codes, scope, audited_action, **audit_filter):
    limit = rate_for(scope).limit
    assert 429 in codes and codes.index(429) == limit, codes
    assert set(codes[limit:]) == {429}
    assert AuditEvent.objects.filter(action=audited_action, **audit_filter).count() == limit
    summary = AuditEvent.objects.get(action="throttle.refused")
    assert summary.after["scope"] == scope and summary.after["limit"] == limit
    assert summary.ip_address == ADDRESS["REMOTE_ADDR"]


def test_rates_parse():
    assert Rate.parse("10/m") == Rate(10, 60)
    assert Rate.parse("30/5m") == Rate(30, 300)
    assert Rate.parse("5/h") == Rate(5, 3600)
    for bad in ("", "10", "0/m", "x/m", "10/w"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


def test_rates_can_be_overridden_in_settings(settings):
    settings.ESB_THROTTLE_RATES = {"support": "2/m"}
    assert rate_for("support") == Rate(2, 60)
    assert rate_for("feedback") == Rate.parse(throttle.RATES["feedback"])


def test_camdigikey_error_page(client):
    codes = _hammer(lambda n: client.get("/accounts/camdigikey/error/", {"errorCode": f"E{n}"}, **ADDRESS))
    _assert_bounded(codes, "login-error", "login.failed")


def test_the_429_page_says_when_to_come_back(client):
    limit = rate_for("login-error").limit
    for _ in range(limit):
        client.get(ERROR_URL, **ADDRESS)
    response = client.get(ERROR_URL, **ADDRESS)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= rate_for("login-error").period
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Too many requests" in html and "Please try again in" in html


def test_camdigikey_callback(client):
    codes = _hammer(
        lambda n: client.get(
            "/accounts/camdigikey/callback/", {"authToken": f"t{n}", "state": "s"}, **ADDRESS
        )
    )
    _assert_bounded(codes, "login-callback", "login.failed")


def test_login_start(client):
    fake = FakeCamDigiKeyClient()
    fake.fail["get_login_token"] = cdk_errors.CamDigiKeyError("down")
    with identity_providers.override(CAMDIGIKEY, FakeProvider(fake)):
        codes = _hammer(lambda n: client.post("/accounts/login/", {"next": "/"}, **ADDRESS))
    assert codes[0] == 503  # CamDigiKey refused: audited, shown
    _assert_bounded(codes, "login", "login.failed")
    # looking at the login page is not counted
    assert client.get("/accounts/login/", **ADDRESS).status_code == 200


def test_password_login(client, settings):
    settings.ESB_BREAK_GLASS_LOGIN = False
    codes = _hammer(
        lambda n: client.post("/backoffice/login/", {"username": f"u{n}", "password": "x"}, **ADDRESS)
    )
    assert codes[0] == 403  # refused and audited without checking the password
    _assert_bounded(codes, "password-login", "login.failed")


def test_support_requests(client):
    from portal.models import SupportRequest

    limit = rate_for("support").limit
    bad = {"name": "A", "message": ""}  # a mistake writes nothing and does not use up the allowance
    for _ in range(3):
        assert client.post("/help/support/", bad, **ADDRESS).status_code == 400
    good = {"name": "A", "email": "a@example.com", "topic": "other", "message": "Help"}
    codes = _hammer(lambda n: client.post("/help/support/", good, **ADDRESS), times=limit + 20)
    assert codes == [200] * limit + [429] * 20
    assert SupportRequest.objects.count() == limit
    assert AuditEvent.objects.filter(action="portal.support_request_created").count() == limit
    assert AuditEvent.objects.filter(action="throttle.refused").count() == 1
    # the form itself still opens
    assert client.get("/help/support/", **ADDRESS).status_code == 200


def test_rotating_x_real_ip_from_an_untrusted_address_does_not_escape(client, settings):
    settings.ESB_TRUSTED_PROXIES = ["10.0.0.1"]
    codes = _hammer(
        lambda n: client.get(
            ERROR_URL,
            HTTP_X_REAL_IP=f"198.51.100.{n}",
            HTTP_X_FORWARDED_FOR=f"198.51.101.{n}",
            **ADDRESS,
        )
    )
    _assert_bounded(codes, "login-error", "login.failed")


def test_behind_a_trusted_proxy_each_client_has_its_own_count(client, settings):
    settings.ESB_TRUSTED_PROXIES = ["10.0.0.1"]
    limit = rate_for("login-error").limit
    for n in range(limit + 1):
        via_proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
        client.get(ERROR_URL, **via_proxy)
    assert (
        client.get(
            ERROR_URL,
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.2",
        ).status_code
        == 400
    )  # the other client is not affected (400 is the error page itself)


def test_an_ipv6_client_is_counted_by_its_64(client):
    limit = rate_for("login-error").limit
    codes = _hammer(
        lambda n: client.get(ERROR_URL, REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}"),
        times=limit + 2,
    )
    assert codes[-2:] == [429, 429]
    other_64 = client.get(ERROR_URL, REMOTE_ADDR="2001:db8:1:3::1")
    assert other_64.status_code == 400


def test_one_summary_row_per_window_carrying_the_previous_windows_refusals(client, monkeypatch):
    period = rate_for("login-error").period
    limit = rate_for("login-error").limit
    clock = [1_000_000 * period + 1.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])

    def burst(times):
        return _hammer(lambda n: client.get(ERROR_URL, **ADDRESS), times)

    assert burst(limit + 25).count(429) == 25
    clock[0] += period  # the next window: allowed again
    codes = burst(limit + 1)
    assert codes[:limit] == [400] * limit and codes[-1] == 429
    summaries = list(AuditEvent.objects.filter(action="throttle.refused").order_by("id"))
    assert len(summaries) == 2
    assert summaries[0].after["refused_in_previous_window"] == 0
    assert summaries[1].after["refused_in_previous_window"] == 25
    assert AuditEvent.objects.filter(action="login.failed").count() == 2 * limit


def test_throttled_views_keep_their_access_marker():
    from django.urls import resolve

    from esb.access import PUBLIC

    for url in (
        "/accounts/login/",
        "/accounts/camdigikey/callback/",
        "/accounts/camdigikey/error/",
        "/help/support/",
    ):
        view = resolve(url).func
        assert view.esb_access == PUBLIC and view.esb_throttle
