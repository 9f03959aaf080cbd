import pytest
from django.utils import translation

from accounts.models import User
from portal.models import FAQ


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _local_cache(settings):
    # The feedback throttle counts in the cache: a private one per test, so runs never share counts.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-tests"}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(db):
    return User.objects.create_user(
        username="sokha", full_name_en="Sokha Chan", full_name_km="ចាន់ សុខា", email="sokha@example.com"
    )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("help-admin", "help@example.gov.kh", "a-long-test-password")


@pytest.fixture
def faq(db):
    def make(**fields):
        fields.setdefault("question_km", "សំណួរ")
        fields.setdefault("question_en", "A question")
        fields.setdefault("answer_km", "ចម្លើយ")
        fields.setdefault("answer_en", "An answer")
        return FAQ.objects.create(**fields)

    return make
