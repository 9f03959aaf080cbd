"""settings.CAMDX is built and checked once at start-up (esb/integration_settings.py)."""

from __future__ import annotations

import json

import environ
import pytest

from esb import integration_settings

BASE = "https://portal.example.gov.kh"


def build(production: bool, **variables: str) -> tuple[dict, list[str]]:
    env = environ.Env()
    env.ENVIRON = dict(variables)
    return integration_settings.camdx(env, BASE, production=production)


def test_development_defaults_to_the_simulator_and_the_demo_registry():
    config, problems = build(False)
    assert problems == []
    assert config["SECURITY_SERVER_URL"] == f"{BASE}/sandbox/camdx"
    assert config["CLIENT"] == "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"
    assert (
        config["SERVICES"]["business_info"]["ID"] == "CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info"
    )


def test_production_needs_its_own_security_server():
    _config, problems = build(True)
    assert "CAMDX_SECURITY_SERVER_URL must be set when ESB_ENV=production" in problems
    _config, problems = build(True, CAMDX_SECURITY_SERVER_URL=f"{BASE}/sandbox/camdx")
    assert any("development sandbox" in p for p in problems)
    _config, problems = build(True, CAMDX_SECURITY_SERVER_URL="http://ss.esb.gov.kh")
    assert any("https" in p for p in problems)
    config, problems = build(True, CAMDX_SECURITY_SERVER_URL="https://ss.esb.gov.kh")
    assert problems == []
    assert config["SERVICES"] == {}  # production calls only the services it names


def test_a_new_service_is_configuration():
    services = {
        "kyc_info": {
            "id": "CAMBODIA/GOV/CAMDX-20201222/CAMDIGIKEY_KYC/kyc_info",
            "path": "/api/2.0/kyc/",
            "timeout": 4,
        },
        "licence_check": "CAMBODIA/GOV/MOH-2022-0003/LICENSING/licence_check",
    }
    config, problems = build(False, CAMDX_SERVICES=json.dumps(services))
    assert problems == []
    assert config["SERVICES"]["kyc_info"] == {
        "ID": services["kyc_info"]["id"],
        "PATH": "api/2.0/kyc",
        "READ_TIMEOUT": 4,
    }
    assert config["SERVICES"]["licence_check"]["PATH"] == ""
    assert "business_info" in config["SERVICES"]  # development keeps the demo registry


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"CAMDX_SERVICES": "not json"}, "CAMDX_SERVICES must be JSON"),
        (
            {"CAMDX_SERVICES": '{"x": "CAMBODIA/GOV/M/SUB"}'},
            "CAMDX_SERVICES['x'] is not a valid X-Road service id",
        ),
        ({"CAMDX_SERVICES": '{"x": {"path": "a"}}'}, "must be a service id or an object"),
        ({"CAMDX_SERVICES": '{"x": {"id": "CAMBODIA/GOV/M/S/c", "timeout": "5"}}'}, '"timeout" a number'),
        ({"CAMDX_CLIENT": "CAMDX/GOV/ESB/ESB_PORTAL"}, "CAMDX_CLIENT is not a valid X-Road client id"),
        ({"CAMDX_CLIENT": "CAMBODIA/GOV/ESB-2026-0001"}, "CAMDX_CLIENT must name our subsystem"),
        ({"CAMDX_CLIENT_CERT_FILE": "/etc/esb/camdx.pem"}, "must be set together"),
        ({"CAMDX_BREAKER_FAILURES": "0"}, "CAMDX_BREAKER_FAILURES must be at least 1"),
        ({"CAMDX_READ_TIMEOUT_SECONDS": "0"}, "CAMDX_READ_TIMEOUT_SECONDS must be positive"),
    ],
)
def test_bad_values_are_reported_by_name(variables, says):
    _config, problems = build(False, **variables)
    assert any(says in problem for problem in problems), problems


def test_configured_member_classes_admit_other_classes():
    services = json.dumps({"ngo": "CAMBODIA/NGO/N-1/APP/info"})
    _config, problems = build(False, CAMDX_SERVICES=services)
    assert any("member class" in p for p in problems)
    _config, problems = build(False, CAMDX_SERVICES=services, CAMDX_MEMBER_CLASSES="GOV,COM,NGO")
    assert problems == []
