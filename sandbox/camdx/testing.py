"""Test helpers of the CamDX simulator: a registry built in one call, and a real provider information system
(a threading HTTP server that records what it receives), so forwarding is exercised over HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sandbox.camdx.models import SimXRoadAccessRight, SimXRoadMember, SimXRoadService, SimXRoadSubsystem

PROVIDER = "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"
CONSUMER = "CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING"
OUTSIDER = "CAMBODIA/COM/CAMDEV-2026-0001/CONSUMER"


def subsystem(identifier: str, name: str = "") -> SimXRoadSubsystem:
    instance, member_class, member_code, code = identifier.split("/")
    member, _created = SimXRoadMember.objects.get_or_create(
        instance=instance,
        member_class=member_class,
        member_code=member_code,
        defaults={"name": name or member_code},
    )
    return SimXRoadSubsystem.objects.get_or_create(member=member, subsystem_code=code)[0]


def service(provider: str, code: str, url: str, **fields) -> SimXRoadService:
    return SimXRoadService.objects.create(provider=subsystem(provider), service_code=code, url=url, **fields)


def allow(client: str, granted: SimXRoadService, method: str = "", path: str = "") -> SimXRoadAccessRight:
    return SimXRoadAccessRight.objects.create(
        client=subsystem(client), service=granted, method=method, path=path
    )


def free_port() -> int:
    """A port nothing listens on (bound then released): connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None


@dataclass
class Provider:
    """A provider IS on 127.0.0.1. Paths: /error (404 problem JSON), /redirect (302), /slow (answers after
    2 s); anything else 200 with a JSON echo of the request."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def last(self) -> Received:
        return self.received[-1]


def start_provider() -> Provider:
    provider: Provider

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            provider.received.append(Received(self.command, self.path, list(self.headers.items()), body))
            if self.path.startswith("/error"):
                self._send(404, b'{"code":404,"message":"not found here"}', "application/problem+json")
            elif self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path.startswith("/slow"):
                time.sleep(2)
                self._send(200, b"{}", "application/json")
            else:
                echo = {"method": self.command, "path": self.path, "body": body.decode("utf-8", "replace")}
                self._send(200, json.dumps(echo).encode(), "application/json; charset=utf-8")

        def _send(self, status: int, content: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("X-Provider", "yes")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider = Provider(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return provider
