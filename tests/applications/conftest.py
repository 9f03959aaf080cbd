"""Applicant fixtures: a business with its owner, the owner as a logged-in applicant who has consented, and
published services (free and paid) with the form of tests/licensing/factories.py."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import User
from privacy import selectors as privacy_selectors
from privacy import services as privacy_services
from privacy.models import ConsentPurpose
from registry.models import BusinessRole
from tests.licensing.factories import LicenceTypeFactory, publish_valid_form, publish_valid_workflow
from tests.registry.factories import BusinessFactory, PersonFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(reference_data, db):
    return PersonFactory(with_address=True)


@pytest.fixture
def business(owner):
    business = BusinessFactory(owner=owner, email="contact@example.com", phone="023 880 880")
    from tests.registry.factories import _address

    for name, value in _address().items():
        setattr(business, name, value)
    business.house_number = "12"
    business.save()
    return business


def make_applicant(person, *, consent: bool = True, username: str = "applicant") -> User:
    user = User.objects.create_user(
        username=username,
        full_name_en=f"{person.last_name_en} {person.first_name_en}",
        full_name_km=f"{person.last_name_km} {person.first_name_km}",
        email=f"{username}@example.com",
        personal_code=person.identity_number,
    )
    if consent:
        give_consent(user)
    return user


def give_consent(user: User) -> None:
    text = privacy_selectors.current_text(ConsentPurpose.CAMDX_CLUSTER)
    privacy_services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, text)


@pytest.fixture
def applicant(owner, business):
    return make_applicant(owner)


@pytest.fixture
def stranger(reference_data, db):
    """Someone who owns another business and must never see the applicant's applications."""
    person = PersonFactory()
    other = BusinessFactory()
    BusinessRole.objects.create(business=other, person=person, role=BusinessRole.Role.OWNER)
    return make_applicant(person, username="stranger")


@pytest.fixture
def free_service(reference_data, db):
    licence_type = LicenceTypeFactory(fee_amount=0, processing_days=10)
    publish_valid_form(licence_type)
    publish_valid_workflow(licence_type)
    return licence_type


@pytest.fixture
def paid_service(reference_data, db):
    licence_type = LicenceTypeFactory(fee_amount=200000, fee_currency="KHR", processing_days=15)
    publish_valid_form(licence_type)
    publish_valid_workflow(licence_type)
    return licence_type


@pytest.fixture
def applicant_client(client, applicant, business):
    from accounts.selectors import ACTING_FOR_SESSION_KEY

    client.force_login(applicant)
    client.cookies["django_language"] = "en"
    session = client.session
    session[ACTING_FOR_SESSION_KEY] = business.pk
    session.save()
    return client
