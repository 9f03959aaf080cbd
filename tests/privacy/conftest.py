"""Fixtures for consent and data-access tests. Version 1 of both consent texts comes from the data
migration, so every test starts with a published text per purpose."""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from accounts.models import User
from privacy.models import ConsentPurpose, ConsentText
from registry.models import Business, BusinessRole, Person

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(client):
    # Messages are asserted in English (the msgids); Khmer is the project's default language.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def make_user(db):
    def make(**kwargs) -> User:
        n = next(_counter)
        kwargs.setdefault("username", f"u{n}")
        kwargs.setdefault("full_name_en", f"Person {n}")
        kwargs.setdefault("email", f"p{n}@example.com")
        return User.objects.create_user(**kwargs)

    return make


@pytest.fixture
def user(db):
    return User.objects.create_user(username="u1", full_name_en="Dara Sok", email="d@example.com")


@pytest.fixture
def other_user(db):
    return User.objects.create_user(username="u2", full_name_en="Sophea Chan", email="s@example.com")


@pytest.fixture
def camdx_text(db) -> ConsentText:
    return ConsentText.objects.get(purpose=ConsentPurpose.CAMDX_CLUSTER, status=ConsentText.Status.PUBLISHED)


@pytest.fixture
def outside_text(db) -> ConsentText:
    return ConsentText.objects.get(
        purpose=ConsentPurpose.OUTSIDE_CLUSTER, status=ConsentText.Status.PUBLISHED
    )


@pytest.fixture
def make_business(db):
    def make(owner: User | None = None, **kwargs) -> Business:
        n = next(_counter)
        kwargs.setdefault("single_id", f"{1_300_000_000 + n}")
        kwargs.setdefault("name_km", f"ក្រុមហ៊ុន {n}")
        kwargs.setdefault("name_en", f"Company {n} Co., Ltd.")
        kwargs.setdefault("legal_form", Business.LegalForm.PRIVATE_LIMITED)
        business = Business.objects.create(**kwargs)
        if owner is not None:
            # An applicant acts for a business through the registry role of the person with their ID number.
            person = Person.objects.create(
                gender=Person.Gender.MALE, last_name_en="Owner", identity_number=owner.personal_code
            )
            BusinessRole.objects.create(business=business, person=person, role=BusinessRole.Role.OWNER)
        return business

    return make


@pytest.fixture
def new_version(db):
    """Publish a new version of a purpose's text through the service (the old one is retired)."""
    from privacy.services import publish_consent_text

    def make(purpose: str = ConsentPurpose.CAMDX_CLUSTER, by=None) -> ConsentText:
        draft = ConsentText.objects.create(
            purpose=purpose,
            title_km="ចំណងជើងថ្មី",
            title_en="New title",
            body_km="អត្ថបទថ្មី។",
            body_en="New text.",
        )
        return publish_consent_text(draft, by=by)

    return make


@pytest.fixture(autouse=True)
def _own_receivers_only():
    """Other apps (applications) connect receivers to `consent_withdrawn`; their behaviour is tested there.
    Here only the receivers a test connects itself run."""
    from privacy.signals import consent_withdrawn

    saved = list(consent_withdrawn.receivers)
    consent_withdrawn.receivers = []
    consent_withdrawn.sender_receivers_cache.clear()
    yield
    consent_withdrawn.receivers = saved
    consent_withdrawn.sender_receivers_cache.clear()
