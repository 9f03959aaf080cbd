from __future__ import annotations

import dataclasses
import datetime

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from accounts.camdigikey.client import CamDigiKeyClient, http_config
from accounts.camdigikey.config import CamDigiKeyConfig
from esb import http
from sandbox.camdigikey.testing import use_live_sandbox


@pytest.fixture
def live_sandbox(live_server, settings, transactional_db):
    """The simulator served over real HTTP, with the portal's client pointed at it."""
    return use_live_sandbox(settings, live_server.url)


def config(**changes) -> CamDigiKeyConfig:
    return dataclasses.replace(CamDigiKeyConfig.from_settings(), **changes)


def client(**changes) -> CamDigiKeyClient:
    """A client with a session of its own (not the pooled one), so a test may mount a fake transport on it."""
    cfg = config(**changes)
    return CamDigiKeyClient(cfg, http_client=http.HttpClient(http_config(cfg)))


# --- certificates made on the fly ------------------------------------------------------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(
    cn: str,
    key,
    issuer_cert: x509.Certificate | None = None,
    issuer_key=None,
    ca: bool = False,
    days: int = 30,
    starts_days_ago: int = 1,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=starts_days_ago))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclasses.dataclass
class Pki:
    root_key: object
    root: x509.Certificate
    leaf_key: object
    leaf: x509.Certificate


@pytest.fixture(scope="session")
def pki() -> Pki:
    root_key, leaf_key = new_key(), new_key()
    root = make_cert("Test Root", root_key, ca=True, days=3650)
    leaf = make_cert("Test Signer", leaf_key, root, root_key)
    return Pki(root_key, root, leaf_key, leaf)


# --- a fake HTTP transport for the client's error paths ----------------------------------------------------


class FakeAdapter(requests.adapters.BaseAdapter):
    def __init__(self, handler):
        super().__init__()
        self.handler = handler
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        outcome = self.handler(request)
        if isinstance(outcome, Exception):
            raise outcome
        status, body = outcome
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else body.encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def fake_transport(camdigikey_client: CamDigiKeyClient, handler) -> FakeAdapter:
    adapter = FakeAdapter(handler)
    camdigikey_client.http.session.mount("http://", adapter)
    camdigikey_client.http.session.mount("https://", adapter)
    return adapter
