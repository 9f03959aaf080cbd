"""The client address (audit rows, lockout, throttles): forwarding headers only from trusted proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from esb.request_context import client_ip

PROXY = "10.0.0.5"


def _request(remote="203.0.113.7", xff=None, real_ip=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    if real_ip is not None:
        meta["HTTP_X_REAL_IP"] = real_ip
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_headers_are_ignored(settings):
    settings.ESB_TRUSTED_PROXIES = []
    assert client_ip(_request(xff="198.51.100.1", real_ip="198.51.100.2")) == "203.0.113.7"


def test_headers_from_an_untrusted_address_are_ignored(settings):
    settings.ESB_TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(real_ip="198.51.100.2", xff="198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_forwarded_address_counts(settings):
    settings.ESB_TRUSTED_PROXIES = [PROXY]
    # the client forged "1.2.3.4"; nginx appended the address it really saw
    request = _request(remote=PROXY, xff="1.2.3.4, 198.51.100.9", real_ip="198.51.100.9")
    assert client_ip(request) == "198.51.100.9"


def test_a_chain_of_trusted_proxies_given_as_cidr(settings):
    settings.ESB_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    request = _request(remote="10.1.1.1", xff="6.6.6.6, 198.51.100.9, 10.2.2.2, 2001:db8::7")
    assert client_ip(request) == "198.51.100.9"


def test_x_real_ip_from_a_trusted_proxy_when_there_is_no_usable_forwarded_for(settings):
    settings.ESB_TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(remote=PROXY, real_ip="198.51.100.3")) == "198.51.100.3"
    assert client_ip(_request(remote=PROXY, xff="junk", real_ip="198.51.100.3")) == "198.51.100.3"
    assert client_ip(_request(remote=PROXY, xff="junk")) == PROXY


@pytest.mark.parametrize(
    "remote, expected", [("::ffff:192.0.2.1", "192.0.2.1"), ("2001:DB8::1", "2001:db8::1")]
)
def test_addresses_are_canonical(settings, remote, expected):
    settings.ESB_TRUSTED_PROXIES = []
    assert client_ip(_request(remote=remote)) == expected


@pytest.mark.django_db
def test_the_audit_row_records_the_real_address_not_a_forged_header(client, settings):
    from esb.models import AuditEvent

    settings.ESB_TRUSTED_PROXIES = []
    client.get("/accounts/camdigikey/error/?errorCode=X", REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="9.9.9.9")
    assert AuditEvent.objects.get(action="login.failed").ip_address == "203.0.113.7"


@pytest.mark.django_db
def test_rotating_x_real_ip_does_not_escape_the_password_lockout(client, settings):
    """The attack of issue 9: reaching the application directly with a new X-Real-IP per attempt."""
    from accounts.models import User

    settings.ESB_BREAK_GLASS_LOGIN = True
    settings.ESB_TRUSTED_PROXIES = []
    User.objects.create_superuser("glass", "glass@example.gov.kh", "the-right-long-password")

    def attempt(password, n):
        return client.post(
            "/backoffice/login/?next=/backoffice/",
            {"username": "glass", "password": password},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_REAL_IP=f"198.51.100.{n}",
            HTTP_X_FORWARDED_FOR=f"198.51.101.{n}",
        )

    from axes.models import AccessAttempt

    codes = [attempt("wrong-password", n).status_code for n in range(5)]
    assert codes == [200, 200, 200, 200, 429]  # axes locks at the fifth failure, as without headers
    assert attempt("the-right-long-password", 99).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
