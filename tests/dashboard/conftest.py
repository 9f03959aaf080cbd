"""Dashboard fixtures: two institutions, each with a service, a review team and a history spread over
several days (reached through the real services, dated with a patched clock), and the oracle that
recomputes every figure straight from that history."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest

from applications.services.statistics import LOCAL_ZONE
from tests.applications import conftest as _applications
from tests.dashboard import scenario

_english = _applications._english
owner = _applications.owner
business = _applications.business
applicant = _applications.applicant


@contextmanager
def clock(at: datetime.datetime):
    """Every row written inside is dated `at` (the services date with timezone.now())."""
    with (
        mock.patch("django.utils.timezone.now", return_value=at.astimezone(datetime.UTC)),
        # the KHQR encoder checks its expiry against the wall clock
        mock.patch("payments.khqr.encoder.time.time", return_value=at.timestamp()),
    ):
        yield


@pytest.fixture
def history(applicant, business):
    return scenario.build(applicant, business, clock)


def local(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), LOCAL_ZONE)


@pytest.fixture(autouse=True)
def _overdue_read_live(settings):
    """The shared cache outlives a test: "overdue now" is read afresh unless a test asks for the cache."""
    settings.DASHBOARD_OVERDUE_SECONDS = 0
