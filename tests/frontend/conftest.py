import pytest
from django.conf import settings


@pytest.fixture
def client_in():
    """A test client whose language cookie is set, as after using the language switch."""
    from django.test import Client

    def make(language: str, **kwargs) -> Client:
        client = Client(**kwargs)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make
