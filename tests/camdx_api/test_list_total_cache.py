"""The list's total (camdx_api.selectors._total): a large total is kept for a short time, so a consumer paging
through a million applications does not count them on every page; a small one is always counted."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from camdx_api import selectors
from tests.camdx_api.factories_api import (  # noqa: F401 - fixtures
    api_service,
    applicant,
    business,
    free_service,
    other_app,
    owner,
    submitted_app,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_keys(monkeypatch):
    """Keys of this test only: a kept total must not reach another test through the shared cache."""
    monkeypatch.setattr(selectors, "_TOTAL_CACHE_PREFIX", f"test-list-total:{uuid.uuid4().hex}")


def test_a_large_total_is_kept_and_the_page_is_read_live(own_keys, monkeypatch, submitted_app, other_app):
    monkeypatch.setattr(selectors, "CACHED_TOTAL_FROM", 2)
    assert selectors.search_applications().total_counts == 2
    other_app.business = None  # no longer exposed
    other_app.save(update_fields=["business"])
    with CaptureQueriesContext(connection) as queries:
        page = selectors.search_applications()
    assert page.total_counts == 2  # kept: not counted again
    assert [a.pk for a in page.items] == [submitted_app.pk]  # the page is live
    assert len(queries) == 1
    # another query has its own total
    assert selectors.search_applications(license_status="APPROVED").total_counts == 0


def test_a_small_total_is_always_counted(own_keys, monkeypatch, submitted_app, other_app):
    monkeypatch.setattr(selectors, "CACHED_TOTAL_FROM", 3)
    assert selectors.search_applications().total_counts == 2
    other_app.business = None
    other_app.save(update_fields=["business"])
    assert selectors.search_applications().total_counts == 1


def test_a_cache_outage_costs_a_count_not_an_answer(own_keys, monkeypatch, submitted_app):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(selectors, "CACHED_TOTAL_FROM", 1)
    monkeypatch.setattr(selectors.cache, "get", broken)
    monkeypatch.setattr(selectors.cache, "set", broken)
    assert selectors.search_applications().total_counts == 1


def test_the_process_copy_ends_when_the_shared_entry_ends(own_keys, monkeypatch, submitted_app, other_app):
    import time

    monkeypatch.setattr(selectors, "CACHED_TOTAL_FROM", 2)
    selectors._local_totals.clear()
    counted_at = time.time() - (selectors.TOTAL_CACHE_SECONDS - 5)  # counted by another process 25 s ago
    material = repr((connection.settings_dict.get("NAME"), ("", "", "")))
    import hashlib

    from django.core.cache import cache

    key = f"{selectors._TOTAL_CACHE_PREFIX}:{hashlib.sha256(material.encode()).hexdigest()}"
    cache.set(key, (7, counted_at), 60)
    assert selectors.search_applications().total_counts == 7  # the shared entry, copied here
    cache.delete(key)
    assert selectors.search_applications().total_counts == 7  # the copy, without asking the cache
    monkeypatch.setattr(time, "time", lambda: counted_at + selectors.TOTAL_CACHE_SECONDS + 1)
    assert selectors.search_applications().total_counts == 2  # past the entry's end: counted again
