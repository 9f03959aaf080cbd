"""The hand-built fast paths of the door give exactly what the slower general code gave: the list items
against the DRF serializer (which stays the OpenAPI document's source), and the rate counter's one-round-trip
increment against the cache's own reading of it."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from applications.models import Application
from camdx_api import selectors
from camdx_api import serializers as api
from esb import throttle
from tests.licensing.factories import LicenceTypeFactory, publish_valid_form
from tests.registry.factories import BusinessFactory


@pytest.mark.django_db
def test_list_items_are_what_the_list_serializer_gives(applicant, business, reference_data):
    licence_type = LicenceTypeFactory(fee_amount=0, processing_days=10)
    form = publish_valid_form(licence_type)
    late_evening = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)  # 2 March in Phnom Penh
    common = {"licence_type": licence_type, "form_definition": form, "applicant": applicant}
    Application.objects.create(**common, business=business, reference="MOC-2026-000201", status="DRAFT")
    Application.objects.create(
        **common,
        business=BusinessFactory(name_en=""),
        reference="MOC-2026-000202",
        status="APPROVED",
        submitted_at=late_evening,
        decided_at=timezone.now(),
    )
    page = selectors.search_applications(search_term="", license_type="", license_status="", page=1, size=20)
    assert len(page.items) == 2
    # the expiry comes from an issued licence (an annotation): given here to one row, as the selector would
    items = [
        dataclasses.replace(page.items[0], licence_valid_until=datetime.date(2029, 1, 31)),
        *page.items[1:],
    ]
    expected = api.represent_many(api.ApplicationListItemSerializer, items)
    assert api.list_items(items) == expected
    assert {item["submitted_date"] for item in expected} == {None, "2026-03-02"}
    assert {item["expired_date"] for item in expected} == {None, "2029-01-31"}


def test_the_pipelined_counter_counts_expires_and_reads_like_the_cache():
    key = "camdx-api:test-counter"
    cache.delete(key)
    assert [throttle.incr(key, 30) for _ in range(3)] == [1, 2, 3]
    assert cache.get(key) == 3
    assert 0 < cache._cache.get_client(write=False).ttl(cache.make_key(key)) <= 30
    cache.delete(key)
