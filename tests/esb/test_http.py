"""The outgoing HTTP layer against a real HTTP server on localhost: timeouts, retries only for idempotent
methods, pooled sessions, mTLS options, and no secret in the outgoing-request log or the application log."""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import urllib3.connection

from esb import http
from esb.models import OutgoingRequest

pytestmark = pytest.mark.django_db


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so that connection reuse is visible

    def _answer(self) -> None:
        server = self.server
        server.seen.append((self.command, self.path, self.client_address[1], dict(self.headers)))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if server.delay:
            time.sleep(server.delay)
        status = server.statuses.pop(0) if server.statuses else 200
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen, httpd.statuses, httpd.delay = [], [], 0.0
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def make(**options) -> http.HttpClient:
    # a client of its own per test (not the shared pool), without backoff waits
    options = {"backoff": 0, "backoff_jitter": 0, **options}
    return http.HttpClient(http.ClientConfig("probe", **options))


@pytest.mark.parametrize("retries", [0, 1])
def test_every_request_has_a_connect_and_a_read_timeout(server, retries):
    server.delay = 0.5
    probe = make(read_timeout=0.1, retries=retries)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        probe.request("GET", server.url + "/slow", operation="slow")
    assert time.monotonic() - started < 0.45
    assert len(server.seen) == 1 + retries
    row = OutgoingRequest.objects.get(operation="slow")
    assert row.outcome == OutgoingRequest.Outcome.ERROR
    assert row.error_class == "ReadTimeout"


def test_idempotent_methods_are_retried_on_unavailable(server):
    server.statuses = [503, 502, 200]
    response = make(retries=2).request("GET", server.url + "/x", operation="read")
    assert response.status_code == 200
    assert [method for method, *_ in server.seen] == ["GET", "GET", "GET"]
    server.seen.clear()
    server.statuses = [503, 200]
    assert make(retries=2).request("PUT", server.url + "/x", operation="put").status_code == 200
    assert len(server.seen) == 2


def test_a_post_is_never_sent_twice(server):
    server.statuses = [503, 200]
    response = make(retries=3).request("POST", server.url + "/x", operation="write", json={"a": 1})
    assert response.status_code == 503  # the partner's answer, not a second attempt
    assert len(server.seen) == 1
    assert OutgoingRequest.objects.get(operation="write").outcome == OutgoingRequest.Outcome.ERROR


def test_a_post_is_not_retried_after_a_connection_failure(monkeypatch):
    attempts = []

    original = urllib3.connection.HTTPConnection.connect

    def refused(self):
        attempts.append(self.port)
        return original(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", refused)
    closed_port = "http://127.0.0.1:9/"  # discard port: nothing listens there
    with pytest.raises(requests.ConnectionError):
        make(retries=3).request("POST", closed_port, operation="write")
    assert len(attempts) == 1
    attempts.clear()
    with pytest.raises(requests.ConnectionError):
        make(retries=2).request("GET", closed_port, operation="read")
    assert len(attempts) == 3


def test_one_pooled_session_per_configuration_and_connections_are_reused(server):
    config = http.ClientConfig("probe-shared", backoff=0)
    shared = http.client(config)
    assert http.client(http.ClientConfig("probe-shared", backoff=0)) is shared
    assert http.client(http.ClientConfig("probe-shared", backoff=0, ca_bundle="/x.pem")) is not shared
    shared.request("GET", server.url + "/a", operation="a")
    shared.request("GET", server.url + "/b", operation="b")
    ports = {port for _method, _path, port, _headers in server.seen}
    assert len(ports) == 1  # the second call rode the first call's TCP connection


def test_mutual_tls_and_the_ca_bundle_reach_the_transport():
    probe = make(client_cert="/etc/esb/c.crt", client_key="/etc/esb/c.key", ca_bundle="/etc/esb/ca.pem")
    seen = {}

    class Recording(requests.adapters.BaseAdapter):
        def send(self, request, **kwargs):
            seen.update(kwargs)
            raise requests.ConnectionError("stop here")

        def close(self):
            pass

    probe.session.mount("https://", Recording())
    with pytest.raises(requests.ConnectionError):
        probe.request("GET", "https://partner.example/api", operation="probe")
    assert seen["cert"] == ("/etc/esb/c.crt", "/etc/esb/c.key")
    assert seen["verify"] == "/etc/esb/ca.pem"
    assert seen["timeout"] == (3.05, 10.0)
    assert "c.key" not in repr(probe.config)
    plain = make()
    assert plain.session.cert is None and plain.session.verify is True


def test_no_secret_reaches_the_log(server, caplog):
    caplog.set_level(logging.DEBUG)
    url = server.url + "/lookup?access_token=TOK-123&client_secret=SEC-456&api_key=KEY-789&page=2"
    make().request(
        "GET",
        url,
        operation="lookup",
        headers={"Authorization": "Bearer AUTH-000", "X-Api-Key": "HDR-111"},
    )
    row = OutgoingRequest.objects.get(operation="lookup")
    assert row.url.startswith(server.url + "/lookup?")
    assert row.status_code == 200 and row.outcome == OutgoingRequest.Outcome.OK
    stored = " ".join(str(value) for value in OutgoingRequest.objects.values_list().get(pk=row.pk))
    for secret in ("TOK-123", "SEC-456", "KEY-789", "AUTH-000", "HDR-111"):
        assert secret not in stored
        assert secret not in caplog.text
    # the partner did get them: redaction is only in what we keep
    assert server.seen[0][3]["Authorization"] == "Bearer AUTH-000"


def test_a_service_configuration_comes_from_settings_over_the_callers_defaults(settings):
    settings.ESB_HTTP_CLIENTS = {
        "camdx": {"READ_TIMEOUT": 20, "CA_BUNDLE": "/etc/esb/camdx-ca.pem", "CLIENT_CERT": "", "RETRIES": 0}
    }
    config = http.config_from_settings("camdx", read_timeout=5, client_cert="/etc/esb/default.crt")
    assert config.read_timeout == 20 and config.ca_bundle == "/etc/esb/camdx-ca.pem"
    assert config.client_cert == "/etc/esb/default.crt"  # an empty setting does not erase the default
    assert config.retries == 0
    assert http.client_for("camdx", read_timeout=5, client_cert="/etc/esb/default.crt") is http.client(config)
    assert http.config_from_settings("bakong") == http.ClientConfig("bakong")
