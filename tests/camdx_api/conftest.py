"""Fixtures of the Part 5 API door: consumers, tokens (fake for unit tests, the CamDigiKey simulator's for the
integration path) and a test-only endpoint (door_urls.py)."""

from __future__ import annotations

import base64
import itertools
import json
import time
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from accounts.camdigikey import errors as cdk
from accounts.camdigikey.client import TokenStatus
from accounts.identity_providers import CAMDIGIKEY, IdentityProvider, identity_providers
from camdx_api.models import ApiConsumer
from camdx_api.service_codes import ALL_SERVICE_CODES

MOC_DOMAIN = "api.moc.gov.kh"
MOC_XROAD = "CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING"
DOOR = "/api/v1/door/"

_serial = itertools.count(1)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def fake_token(**claims) -> str:
    """A token of the right shape (three base64 parts): the fake CamDigiKey decides what it means."""
    claims = {"type": "ORGANIZATION", "jti": f"jti-{next(_serial)}", **claims}
    header = _b64(json.dumps({"alg": "SHA512withRSA"}).encode())
    payload = _b64(json.dumps(claims).encode())
    return f"{header}.{payload}.{_b64(b'signature-' + claims['jti'].encode())}"


@dataclass
class FakeCamDigiKey:
    """A CamDigiKey client for unit tests: `answers[token]` is the domain of a valid ORGANIZATION token or the
    CamDigiKeyError to raise; every call is counted."""

    answers: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)

    def valid(self, domain: str = MOC_DOMAIN) -> str:
        token = fake_token(domain=domain)
        self.answers[token] = domain
        return token

    def failing(self, error: cdk.CamDigiKeyError) -> str:
        token = fake_token()
        self.answers[token] = error
        return token

    def validate_organization_token(self, access_token: str) -> TokenStatus:
        self.calls.append(access_token)
        answer = self.answers.get(access_token, cdk.InvalidTokenSignature())
        if isinstance(answer, Exception):
            raise answer
        jti = json.loads(base64.urlsafe_b64decode(access_token.split(".")[1] + "==="))["jti"]
        payload = {"type": "ORGANIZATION", "domain": answer, "jti": jti, "exp": int(time.time()) + 3600}
        return TokenStatus(valid=True, payload=payload, domain=answer)


class FakeProvider(IdentityProvider):
    def __init__(self, fake: FakeCamDigiKey) -> None:
        self.fake = fake

    def client(self):
        return self.fake


@pytest.fixture
def camdigikey():
    """The identity provider replaced by FakeCamDigiKey for the test."""
    fake = FakeCamDigiKey()
    with identity_providers.override(CAMDIGIKEY, FakeProvider(fake)):
        yield fake


def clear_api_cache() -> None:
    """Forget the door's rate counts and cached token statuses (never the whole shared cache)."""
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=cache.make_key("camdx-api:*"), count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _no_api_counts():
    clear_api_cache()
    yield


@pytest.fixture
def make_consumer(db):
    def make(**fields) -> ApiConsumer:
        values = {
            "name_en": "Ministry of Commerce",
            "name_km": "ក្រសួងពាណិជ្ជកម្ម",
            "camdigikey_domain": MOC_DOMAIN,
            "xroad_client": MOC_XROAD,
            "allowed_service_codes": list(ALL_SERVICE_CODES),
            "rate_limit_per_minute": 600,
            **fields,
        }
        consumer = ApiConsumer(**values)
        consumer.full_clean()
        consumer.save()
        return consumer

    return make


@pytest.fixture
def consumer(make_consumer) -> ApiConsumer:
    return make_consumer()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- the CamDigiKey simulator over real HTTP ---------------------------------------------------------------


@pytest.fixture
def reference_rows(reference_data):
    """For a transactional (live-server) test: a transactional test before it may have flushed the rows the
    session loaded once or the migrations created (reference data, the published consent texts); load them
    again. Request it before the fixtures that create applicants and applications."""
    from django.db import transaction

    from privacy import demo as privacy_demo
    from registry.models import Country
    from registry.reference_loader import load_countries, load_gazetteer, load_isic

    if not Country.objects.exists():
        with transaction.atomic():
            load_countries()
            load_gazetteer()
            load_isic()
    privacy_demo.seed()  # idempotent: only when no consent text exists


@pytest.fixture
def live_camdigikey(live_server, settings, transactional_db):
    """The simulator served over real HTTP, the portal's client pointed at it (its demo clients seeded)."""
    from sandbox.camdigikey.testing import use_live_sandbox

    return use_live_sandbox(settings, live_server.url)


def ministry_client():
    """The Ministry of Commerce's own CamDigiKey client (organization client `moc-api-dev`), as its system
    would hold it: it asks the simulator for ORGANIZATION tokens and can log them out."""
    import dataclasses

    from accounts.camdigikey.client import CamDigiKeyClient, http_config
    from accounts.camdigikey.config import CamDigiKeyConfig
    from esb import http
    from sandbox.camdigikey.demo import MOC_API_CLIENT

    config = dataclasses.replace(
        CamDigiKeyConfig.from_settings(),
        client_id=MOC_API_CLIENT["client_id"],
        domain=MOC_API_CLIENT["domain"],
        hmac_key=MOC_API_CLIENT["hmac_key"],
        aes_secret_key=MOC_API_CLIENT["aes_secret_key"],
        aes_iv=MOC_API_CLIENT["aes_iv"],
    )
    return CamDigiKeyClient(config, http_client=http.HttpClient(http_config(config)))


# --- an applicant whose data the API can disclose ----------------------------------------------------------


@pytest.fixture
def business(reference_data, db):
    from tests.registry.factories import BusinessFactory, PersonFactory

    return BusinessFactory(owner=PersonFactory())


@pytest.fixture
def applicant(business):
    from registry.models import BusinessRole
    from tests.applications.conftest import make_applicant

    owner = BusinessRole.objects.filter(business=business, role=BusinessRole.Role.OWNER).first().person
    return make_applicant(owner)
