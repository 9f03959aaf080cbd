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


def _orm_page(text="", license_type="", license_status="", page=1, size=20) -> list[tuple]:
    """The list page through the ORM alone, as the selector read it before it was compiled."""
    queryset = selectors.exposed_applications()
    if text:
        queryset = queryset.filter(business__in=selectors.businesses_matching(text).values("pk"))
    if license_type:
        queryset = queryset.filter(licence_type__code=license_type)
    if license_status:
        queryset = queryset.filter(status=license_status)
    rows = queryset.select_related("business", "licence_type").order_by("-pk")[
        (page - 1) * size : page * size
    ]
    return [
        (a.pk, a.reference, a.status, a.business.single_id, a.licence_type.code if a.licence_type else None)
        for a in rows
    ], queryset.count()


@pytest.mark.django_db
def test_the_compiled_list_reads_what_the_orm_reads(applicant, business, reference_data):
    licence_type = LicenceTypeFactory(fee_amount=0, processing_days=10, code="TST-LIST-1")
    other_type = LicenceTypeFactory(fee_amount=0, processing_days=10, code="TST-LIST-2")
    form = publish_valid_form(licence_type)
    tricky = BusinessFactory(name_en="100% Rice_Mill \\ Co", name_km="រោងម៉ាស៊ីនកិនស្រូវ")
    for number in range(9):
        Application.objects.create(
            licence_type=(licence_type, other_type)[number % 2],
            form_definition=form,
            applicant=applicant,
            business=(business, tricky)[number % 3 == 0],
            reference=f"MOC-2026-0003{number:02d}",
            status=("SUBMITTED", "APPROVED", "REVIEWING")[number % 3],
        )
    Application.objects.create(  # not exposed: no request number
        licence_type=licence_type, form_definition=form, applicant=applicant, business=tricky, status="DRAFT"
    )
    combinations = [
        {},
        {"text": "rice_mill"},
        {"text": "100%"},
        {"text": "% R"},  # a literal percent sign, not "anything"
        {"text": "\\ co"},
        {"text": "កិនស្រូវ"},
        {"text": business.single_id},
        {"text": "no such company"},
        {"license_type": "TST-LIST-2"},
        {"license_status": "APPROVED"},
        {"text": "rice", "license_type": "TST-LIST-1", "license_status": "SUBMITTED"},
        {"page": 2, "size": 4},
        {"page": 9, "size": 4},
    ]
    for query in combinations:
        arguments = {("search_term" if k == "text" else k): v for k, v in query.items()}
        page = selectors.search_applications(**arguments)
        expected, total = _orm_page(**query)
        got = [
            (
                a.pk,
                a.reference,
                a.status,
                a.business.single_id,
                a.licence_type.code if a.licence_type else None,
            )
            for a in page.items
        ]
        assert (got, page.total_counts) == (expected, total), query
    # every combination ran compiled SQL, not the ORM fallback
    from esb.compiled import _UNCACHEABLE

    compiled = [v for q in selectors._LIST_QUERIES.values() for v in q._compiled.values()]
    assert compiled and _UNCACHEABLE not in compiled
