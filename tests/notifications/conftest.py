import pytest
from django.utils import translation

from accounts.models import User


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 1000))

    def make(**fields):
        n = next(counter)
        fields.setdefault("username", f"person-{n}")
        fields.setdefault("full_name_en", f"Person {n}")
        fields.setdefault("email", f"person{n}@example.com")
        return User.objects.create_user(**fields)

    return make
