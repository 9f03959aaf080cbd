"""Shared pieces of the heartbeat tests: member systems, a stub HTTP server whose answers each test sets
(status, body, delay), probe answers, officers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import translation

from accounts import services as accounts_services
from monitoring.models import MemberSystem
from monitoring.probe import ProbeAnswer
from registry.models import Institution


class StubServer:
    """A real HTTP server on 127.0.0.1: `answer(status, body, delay)` sets what GET returns."""

    def __init__(self) -> None:
        self.status, self.body, self.delay, self.content_type = 200, b'{"code": 200}', 0.0, "application/json"
        self.hits = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.hits += 1
                if stub.delay:
                    time.sleep(stub.delay)
                try:
                    self.send_response(stub.status)
                    self.send_header("Content-Type", stub.content_type)
                    self.send_header("Content-Length", str(len(stub.body)))
                    self.end_headers()
                    self.wfile.write(stub.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/health"

    def answer(self, status: int = 200, body=None, delay: float = 0.0) -> None:
        if body is None:
            body = {"code": status}
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.delay = delay

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def mot(db):
    institution, _ = Institution.objects.get_or_create(
        code="MOT", defaults={"name_km": "ក្រសួងទេសចរណ៍", "name_en": "Ministry of Tourism"}
    )
    return institution


@pytest.fixture
def moc(db):
    institution, _ = Institution.objects.get_or_create(
        code="MOC", defaults={"name_km": "ក្រសួងពាណិជ្ជកម្ម", "name_en": "Ministry of Commerce"}
    )
    return institution


def make_system(code: str = "mot-eservice", **overrides) -> MemberSystem:
    values = {
        "name_en": "Ministry of Tourism e-service",
        "name_km": "សេវាអេឡិចត្រូនិកក្រសួងទេសចរណ៍",
        "kind": "ministry",
        "probe_url": "http://127.0.0.1:9/health",
        "check_kind": "part5_health",
        "interval_seconds": 30,
        "timeout_seconds": 2,
        "slow_ms": 1000,
        "failures_before_incident": 3,
        **overrides,
    }
    return MemberSystem.objects.create(code=code, **values)


def officer(code: str, role: str, institution=None):
    user = accounts_services.register_officer(code, full_name_en=f"Officer {code}", by=None)
    accounts_services.assign_role(user, role, institution, by=None)
    return user


UP = ProbeAnswer("up", 20, 200, "")
SLOW = ProbeAnswer("slow", 1500, 200, "")
DOWN = ProbeAnswer("down", 5, 503, "http_status")
TIMEOUT = ProbeAnswer("down", 2000, None, "timeout")
