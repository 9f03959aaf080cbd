import pytest
from django.utils import translation

from accounts.models import User


@pytest.fixture(autouse=True)
def _english():
    # Validation messages are asserted in English (the msgids); Khmer is the project default language.
    with translation.override("en"):
        yield


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("catalog-admin", "catalog@example.gov.kh", "a-long-test-password")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read English messages
    return client
