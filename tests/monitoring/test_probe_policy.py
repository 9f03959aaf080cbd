"""Attacks on the probe URL (SSRF): a national administrator, or whoever holds their session, points a member
system at the portal's own network. Refused: non-http(s) schemes, credentials in the URL, link-local and
cloud-metadata addresses always, internal ranges outside MONITORING_PROBE_ALLOWED_NETWORKS, a name that
resolves inside; redirects are not followed; slow-loris and huge answers are cut off."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest
from django.core.exceptions import ValidationError

from monitoring import addresses, probe, services
from tests.monitoring.conftest import make_system

pytestmark = pytest.mark.django_db

PRODUCTION_LIKE = ["10.20.0.0/16"]  # a government network named by production; nothing else internal


def _run(url: str, timeout: int = 2):
    return probe.run(url, check_kind="part5_health", timeout_seconds=timeout, slow_ms=1000)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fe80::1]/health",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://0.0.0.0:5432/",
        "http://[::ffff:169.254.169.254]/",
        "http://224.0.0.1/",
    ],
)
def test_metadata_and_link_local_addresses_are_refused_even_when_allow_listed(settings, url):
    settings.MONITORING_PROBE_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]
    with pytest.raises(addresses.RefusedAddress):
        addresses.check_url(url, resolve_required=False)
    answer = _run(url)
    assert (answer.outcome, answer.error_class) == ("down", "refused_address")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "ftp://example.org/",
        "http://admin:secret@example.org/health",
    ],
)
def test_other_schemes_and_credentials_are_refused(url):
    with pytest.raises(addresses.RefusedAddress):
        addresses.check_url(url, resolve_required=False)
    assert _run(url).error_class == "refused_address"


@pytest.mark.parametrize(
    "url", ["http://localhost:5432/", "http://127.0.0.1:6379/", "http://192.168.1.1/admin", "http://[::1]/"]
)
def test_production_refuses_internal_ranges_it_does_not_name(settings, url):
    settings.MONITORING_PROBE_ALLOWED_NETWORKS = PRODUCTION_LIKE
    with pytest.raises(addresses.RefusedAddress):
        addresses.check_url(url, resolve_required=False)
    assert _run(url).error_class == "refused_address"


def test_a_named_government_network_and_public_addresses_are_allowed(settings):
    settings.MONITORING_PROBE_ALLOWED_NETWORKS = PRODUCTION_LIKE
    addresses.check_url("http://10.20.3.4:8080/health", resolve_required=False)
    addresses.check_url("https://93.184.215.14/health", resolve_required=False)
    with pytest.raises(addresses.RefusedAddress):
        addresses.check_url("http://10.21.0.1/health", resolve_required=False)


def test_a_name_resolving_inside_is_refused_at_save_and_at_probe_time(settings, monkeypatch):
    settings.MONITORING_PROBE_ALLOWED_NETWORKS = PRODUCTION_LIKE
    monkeypatch.setattr(addresses, "_resolve", lambda host: [ipaddress.ip_address("169.254.169.254")])
    with pytest.raises(ValidationError) as refused:
        services.register_system(
            code="evil",
            name_en="Evil",
            name_km="Evil",
            kind="ministry",
            probe_url="http://metadata.evil.example/",
            check_kind="part5_health",
            interval_seconds=60,
            timeout_seconds=5,
            slow_ms=2000,
            failures_before_incident=3,
        )
    assert "probe_url" in refused.value.message_dict


def test_dns_rebinding_is_caught_on_the_connected_address(settings, stub, monkeypatch):
    """The name resolved outside when checked, but the connection reached 127.0.0.1: refused, body unread."""
    settings.MONITORING_PROBE_ALLOWED_NETWORKS = PRODUCTION_LIKE
    monkeypatch.setattr(addresses, "check_url", lambda url, resolve_required: None)
    stub.answer(200, {"code": 200, "secret": "internal"})
    answer = _run(stub.url)
    assert (answer.outcome, answer.error_class) == ("down", "refused_address")


def test_a_name_that_does_not_resolve_is_accepted_when_saved_and_refused_when_probed(settings):
    settings.MONITORING_PROBE_ALLOWED_NETWORKS = PRODUCTION_LIKE
    addresses.check_url("http://does-not-exist.invalid/health", resolve_required=False)
    assert _run("http://does-not-exist.invalid/health").error_class == "refused_address"


def test_the_admin_form_refuses_the_metadata_address(client, settings):
    from tests.monitoring.conftest import officer

    client.force_login(officer("OFF-SSRF-1", "system_administrator"))
    system = make_system("ssrf-target")
    system.probe_url = "http://169.254.169.254/latest/meta-data/"
    with pytest.raises(ValidationError):
        system.full_clean()


def test_redirects_to_internal_addresses_are_not_followed(stub):
    stub.status, stub.body = 302, b""
    original = stub.server.RequestHandlerClass.do_GET

    def redirect(handler) -> None:
        stub.hits += 1
        handler.send_response(302)
        handler.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    stub.server.RequestHandlerClass.do_GET = redirect
    try:
        answer = _run(stub.url)
    finally:
        stub.server.RequestHandlerClass.do_GET = original
    assert (answer.outcome, answer.http_status, answer.error_class) == ("down", 302, "http_status")
    assert stub.hits == 1


class _SlowLoris:
    """Answers headers at once, then one body byte every 0.3 s, forever (until the client leaves)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/health"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        try:
            conn.recv(4096)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
            while True:
                conn.sendall(b" ")
                time.sleep(0.3)
        except OSError:
            pass
        finally:
            conn.close()


def test_a_slow_loris_answer_is_cut_off_at_the_probe_deadline():
    loris = _SlowLoris()
    started = time.monotonic()
    answer = _run(loris.url, timeout=1)
    assert time.monotonic() - started < 3
    assert (answer.outcome, answer.error_class) == ("down", "timeout")
    loris.sock.close()


def test_production_refuses_a_malformed_allow_list_and_starts_with_a_good_one():
    from tests.ops.test_settings import manage_check, production_env

    bad = manage_check(production_env(MONITORING_PROBE_ALLOWED_NETWORKS="10.20.0.0/16,not-a-network"))
    assert bad.returncode != 0 and "'not-a-network' is not a network" in bad.stderr + bad.stdout
    assert manage_check(production_env(MONITORING_PROBE_ALLOWED_NETWORKS="10.20.0.0/16")).returncode == 0
