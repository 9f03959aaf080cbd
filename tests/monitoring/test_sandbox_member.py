"""The simulated member system: a Part 5 /health whose state the sandbox page or a POST switches."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from sandbox.member import services

pytestmark = pytest.mark.django_db

HEALTH = "/sandbox/member/tourism/health"
STATE = "/sandbox/member/tourism/state"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _forget_state():
    cache.delete("sandbox:member:tourism")
    yield
    cache.delete("sandbox:member:tourism")


def test_up_down_and_slow(client):
    assert client.get(HEALTH).json()["code"] == 200
    response = client.post(
        "/sandbox/member/tourism/state", {"state": "down"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "down"
    down = client.get(HEALTH)
    assert down.status_code == 503 and down.json()["code"] == 503
    client.post(
        "/sandbox/member/tourism/state", {"state": "slow", "slow_ms": 50}, content_type="application/json"
    )
    assert client.get(HEALTH).status_code == 200 and services.get_state("tourism")["slow_ms"] == 50


def test_the_page_switches_the_state(client):
    assert client.get("/sandbox/member/").status_code == 200
    response = client.post("/sandbox/member/", {"code": "tourism", "state": "down"})
    assert response.status_code == 302 and services.get_state("tourism")["state"] == "down"
    assert client.post("/sandbox/member/", {"code": "tourism", "state": "exploded"}).status_code == 400


def test_hostile_input_is_refused(client):
    post = client.post
    assert (
        post("/sandbox/member/nope/state", {"state": "down"}, content_type="application/json").status_code
        == 404
    )
    assert client.get("/sandbox/member/nope/health").status_code == 404
    assert post("/sandbox/member/tourism/state", "[1]", content_type="application/json").status_code == 400
    assert post("/sandbox/member/tourism/state", "{", content_type="application/json").status_code == 400
    too_slow = {"state": "slow", "slow_ms": 99999}
    assert post("/sandbox/member/tourism/state", too_slow, content_type="application/json").status_code == 400


def test_the_simulators_answer_a_cheap_probe(client):
    for simulator in ("camdx", "camdigikey", "bakong", "verify"):
        response = client.get(f"/sandbox/{simulator}/health")
        assert response.status_code == 200 and response.json()["code"] == 200, simulator


def test_the_demo_registers_the_watched_systems_idempotently(settings):
    from io import StringIO

    from esb.models import AuditEvent
    from monitoring import demo
    from monitoring.models import AlertDestination, MemberSystem
    from registry.demo import seed_institutions

    seed_institutions()
    settings.ESB_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    demo.seed(out)
    events = AuditEvent.objects.count()
    demo.seed(StringIO())
    assert AuditEvent.objects.count() == events  # nothing changed, nothing recorded
    systems = {s.code: s for s in MemberSystem.objects.all()}
    assert set(systems) == {
        "esb-portal",
        "camdx-security-server",
        "camdigikey",
        "bakong",
        "verify-gov-kh",
        "mot-eservice",
    }
    assert systems["esb-portal"].probe_url == "http://127.0.0.1:8000/health"
    assert systems["mot-eservice"].probe_url == "http://127.0.0.1:8000/sandbox/member/tourism/health"
    assert systems["mot-eservice"].owner_institution.code == "MOT"
    assert AlertDestination.objects.count() == 2 * 6
    assert "6 member system(s)" in out.getvalue()
