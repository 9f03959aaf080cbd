"""A scripted security server on localhost (a real HTTP server: the client's headers, retries and error
parsing go over the wire), a fake CamDigiKey organization-token source, and clean breaker/token state."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from camdx_client import token as org_token
from camdx_client.client import CamdxClient, breaker_for, http_config
from camdx_client.config import CamdxConfig
from esb import http

OBR_SERVICE = "CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info"


@dataclasses.dataclass
class Answer:
    status: int = 200
    body: object = dataclasses.field(default_factory=lambda: {"ok": True})
    headers: dict = dataclasses.field(default_factory=dict)


def xroad_fault(fault_type: str, status: int = 500, message: str = "it failed") -> Answer:
    detail = "9bc95b6e-2f1d-4a41-a7e6-11eda7d734d5"
    return Answer(
        status, {"type": fault_type, "message": message, "detail": detail}, {"X-Road-Error": fault_type}
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        answer = server.answers.pop(0) if server.answers else Answer()
        raw = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if self.headers.get("X-Road-Id"):
            self.send_header("x-road-id", self.headers["X-Road-Id"])
        self.send_header("x-road-request-id", "req-1")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def security_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen, httpd.answers = [], []
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def jwt(exp: int) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"iss": "CamDX-CamDigiKey", "type": "ORGANIZATION", "domain": "esb.localhost", "exp": exp}
    return f"{part({'alg': 'RS512'})}.{part(claims)}.c2lnbmF0dXJl"


class FakeCamDigiKey:
    """What `accounts.camdigikey.client.get_client()` returns in these tests: counts token requests."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.issued: list[str] = []
        self.error: Exception | None = None

    def get_organization_access_token(self) -> str:
        if self.error is not None:
            raise self.error
        token = jwt(int(time.time()) + self.lifetime)
        self.issued.append(token)
        return token


@pytest.fixture
def camdigikey(monkeypatch):
    fake = FakeCamDigiKey()
    monkeypatch.setattr(org_token, "get_client", lambda: fake)
    org_token.forget()
    yield fake
    org_token.forget()


@pytest.fixture
def camdx_settings(settings, security_server):
    """settings.CAMDX aimed at the scripted security server, the breaker at 3 failures and 0.3 s."""
    settings.CAMDX = {
        **settings.CAMDX,
        "SECURITY_SERVER_URL": security_server.url,
        "BREAKER_FAILURES": 3,
        "BREAKER_COOLDOWN_SECONDS": 0.3,
        "SERVICES": {
            "business_info": {"ID": OBR_SERVICE, "PATH": "", "READ_TIMEOUT": None},
            "kyc": {
                "ID": "CAMBODIA/GOV/CAMDX-20201222/CAMDIGIKEY_KYC/kyc_info",
                "PATH": "api/2.0/kyc",
                "READ_TIMEOUT": 2,
            },
        },
    }
    return settings


@pytest.fixture
def camdx(camdx_settings, camdigikey):
    """A client of its own (not the shared pool), without backoff waits, with closed breakers."""
    config = CamdxConfig.from_settings()
    for name in config.services:
        breaker_for(config, config.service(name).service_id.service_code).reset()
    probe = http.HttpClient(dataclasses.replace(http_config(config), backoff=0, backoff_jitter=0))
    yield CamdxClient(config, probe)
    for name in config.services:
        breaker_for(config, config.service(name).service_id.service_code).reset()
    probe.close()
