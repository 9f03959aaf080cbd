"""Payment fixtures: the applicant fixtures of tests/applications (a business, its owner logged in, paid and
free services), a KHQR payment account for the paid service's institution, and a draft waiting for its fee."""

from __future__ import annotations

import pytest

from tests.applications import conftest as _applications
from tests.payments.factories import awaiting_payment, khqr_account

# The applicant fixtures of tests/applications, shared (pytest collects fixtures by name in a conftest).
_english = _applications._english
owner = _applications.owner
business = _applications.business
applicant = _applications.applicant
stranger = _applications.stranger
free_service = _applications.free_service
paid_service = _applications.paid_service
applicant_client = _applications.applicant_client


@pytest.fixture(autouse=True)
def _bakong_settings(settings):
    settings.BAKONG = {**settings.BAKONG, "QR_LIFETIME_SECONDS": 600, "GRACE_SECONDS": 300}


@pytest.fixture
def account(paid_service):
    return khqr_account(paid_service.institution)


@pytest.fixture
def waiting(applicant, business, paid_service, account):
    """A paid service's application at "payment required" (DRAFT with payment_requested_at)."""
    return awaiting_payment(applicant, paid_service, business)
