"""Review fixtures: the applicant fixtures of tests/applications, a free three-level service and its team."""

from __future__ import annotations

import pytest

from tests.applications.conftest import _english, applicant, business, free_service, owner  # noqa: F401
from tests.review import factories


@pytest.fixture
def service(free_service):  # noqa: F811
    """A free service with the three-level workflow (reception → technical department → approver)."""
    return free_service


@pytest.fixture
def team(service):
    return factories.team_for(service)
