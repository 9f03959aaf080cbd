"""Issuance fixtures: the applicant fixtures of tests/applications and the review team of tests/review (an
approval goes through `review.services.take_action`), and a verification provider kept in Redis."""

from __future__ import annotations

import uuid

import pytest

from issuance.verification import verification_providers
from tests.applications.conftest import (  # noqa: F401
    _english,
    applicant,
    business,
    free_service,
    owner,
)
from tests.issuance.fake_provider import KEY, RedisVerificationProvider
from tests.review import factories as review_factories


@pytest.fixture
def service(free_service):  # noqa: F811
    """A free service (three-level workflow) valid for 12 months."""
    free_service.validity_months = 12
    free_service.save(update_fields=["validity_months"])
    return free_service


@pytest.fixture
def team(service):
    return review_factories.team_for(service)


@pytest.fixture
def provider(settings):
    """The test provider, active (settings.ESB_VERIFICATION names it), its records under a fresh prefix."""
    fake = RedisVerificationProvider(prefix=f"tests:issuance:{uuid.uuid4().hex}")
    settings.ESB_VERIFICATION = {**getattr(settings, "ESB_VERIFICATION", {}), "PROVIDER": KEY}
    with verification_providers.override(KEY, fake):
        yield fake
    fake.reset()
