"""Fixtures for login, roles and scoping tests (helpers and the fake CamDigiKey client: support.py)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from accounts.identity_providers import CAMDIGIKEY, identity_providers
from accounts.models import User
from registry.models import Department, Institution
from tests.accounts.support import FakeCamDigiKeyClient, FakeProvider

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(client):
    # Messages are asserted in English (the msgids); Khmer is the project's default language.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def fake_camdigikey():
    """The CamDigiKey provider replaced, through the registry, by one serving an in-memory fake."""
    fake = FakeCamDigiKeyClient()
    with identity_providers.override(CAMDIGIKEY, FakeProvider(fake)):
        yield fake


@pytest.fixture
def institutions(db):
    moc, _ = Institution.objects.get_or_create(
        code="MOC", defaults={"name_km": "ពាណិជ្ជកម្ម", "name_en": "Commerce"}
    )
    mot, _ = Institution.objects.get_or_create(
        code="MOT", defaults={"name_km": "ទេសចរណ៍", "name_en": "Tourism"}
    )
    moc_dept, _ = Department.objects.get_or_create(
        institution=moc, code="reg", defaults={"name_km": "ចុះបញ្ជី", "name_en": "Registration"}
    )
    return {"MOC": moc, "MOT": mot, "MOC_DEPT": moc_dept}


@pytest.fixture
def make_officer(db):
    def make(personal_code: str | None = None, **kwargs) -> User:
        from accounts import services

        n = next(_counter)
        return services.register_officer(
            personal_code or f"OFF-T-{n:04d}",
            full_name_en=kwargs.pop("full_name_en", f"Officer {n}"),
            full_name_km=kwargs.pop("full_name_km", ""),
            by=None,
        )

    return make
