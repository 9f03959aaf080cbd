"""Registry test fixtures.

The reference data (16k gazetteer rows, ISIC, countries) is loaded once per test session, committed, and
removed at the end; each test still runs in its own rolled-back transaction. The loader functions used here
write no audit events, so the audit chain other tests inspect starts empty.
"""

import pytest
from django.contrib.auth import get_user_model

from registry.models import AdministrativeUnit
from tests.registry import factories


@pytest.fixture
def ref(reference_data, db):
    """Reference data plus the database for this test."""
    return reference_data


@pytest.fixture
def admin_client(client, ref):
    admin = get_user_model().objects.create_superuser(
        "registry-admin", "admin@example.com", "a-long-password-1"
    )
    client.force_login(admin)
    return client


@pytest.fixture
def unit():
    def get(code: str) -> AdministrativeUnit:
        return AdministrativeUnit.objects.get(code=code)

    return get


@pytest.fixture
def make_person(ref):
    return factories.PersonFactory


@pytest.fixture
def make_business(ref):
    return factories.BusinessFactory
