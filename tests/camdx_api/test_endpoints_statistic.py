"""Endpoint 6, `GET /api/v1/statistic`: date validation and the answer's keys and types (the counting itself
is applications.statistics', tested in tests/applications)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.camdx_api.conftest import bearer

pytestmark = pytest.mark.django_db
KEYS = {
    "number_of_approved",
    "number_of_draft",
    "number_of_expired",
    "number_of_rejected",
    "number_of_returned",
    "number_of_reviewing",
    "number_of_submitted",
    "total_number_of_all_license",
}


@pytest.fixture
def api(client, consumer, camdigikey):
    token = camdigikey.valid()
    return lambda **params: client.get("/api/v1/statistic", params, **bearer(token))


def test_counts_keys_and_types(api):
    today = timezone.localdate().isoformat()
    response = api(start_date="2026-01-01", end_date=today)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == 0 and set(body["data"]) == KEYS
    assert all(type(value) is int for value in body["data"].values())
    data = body["data"]
    assert data["total_number_of_all_license"] == sum(
        v for k, v in data.items() if k.startswith("number_of_")
    )


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"start_date": "2026-13-01", "end_date": "2026-12-31"}, {"start_date"}),
        ({"start_date": "01/02/2026", "end_date": "2026-12-31"}, {"start_date"}),
        ({"start_date": "2026-02-30", "end_date": "2026-12-31"}, {"start_date"}),
        ({"start_date": "2026-01-01"}, {"end_date"}),
        ({}, {"start_date", "end_date"}),
        ({"start_date": "2026-03-02", "end_date": "2026-03-01"}, {"start_date"}),
        ({"start_date": "2026-01-01", "end_date": "2026-01-02", "status": "x"}, {"status"}),
    ],
)
def test_bad_dates_are_a_400_body(api, params, fields):
    response = api(**params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400 and body["data"] is None and set(body["errors"]) == fields
