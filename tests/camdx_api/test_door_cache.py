"""The door's memory in the web process (camdx_api.door_cache): a busy consumer's call costs one Redis
command, and nothing it remembers outlives what must reach the next call."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from camdx_api import door_cache, services
from camdx_api.models import ApiCall, ApiConsumer
from camdx_api.service_codes import ServiceCode
from tests.camdx_api.conftest import DOOR, MOC_XROAD, bearer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.camdx_api.door_urls")]


@pytest.fixture(autouse=True)
def _fresh_process_memory():
    door_cache.clear()
    yield
    door_cache.clear()


def _redis_commands(monkeypatch) -> list:
    """Every command the shared cache's Redis clients send from now on."""
    import redis

    sent: list = []
    original = redis.Redis.execute_command

    def spy(self, *args, **options):
        sent.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", spy)
    return sent


def test_a_token_accepted_moments_ago_costs_one_redis_command_and_no_consumer_read(
    client, consumer, camdigikey, monkeypatch
):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200  # the full check, remembered
    assert client.get(DOOR, **bearer(token)).status_code == 200  # the script loaded in Redis once
    sent = _redis_commands(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DOOR, **bearer(token))
    assert response.status_code == 200
    assert sent == ["EVALSHA"]  # generation and rate count together
    assert not [q for q in queries if "camdx_api_apiconsumer" in q["sql"]]
    assert len(camdigikey.calls) == 1
    assert ApiCall.objects.filter(consumer=consumer, outcome="ok").count() == 3


def test_a_deactivated_consumer_is_refused_at_its_next_call(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    consumer.is_active = False
    consumer.save()
    assert client.get(DOOR, **bearer(token)).status_code == 401


def test_a_narrowed_access_list_applies_at_the_next_call(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    consumer.allowed_service_codes = [ServiceCode.OWNER_STATISTIC]
    consumer.save()
    assert client.get(DOOR, **bearer(token)).status_code == 403


def test_another_process_change_reaches_this_one_through_the_generation(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    # a change made in another process bumps the shared generation; this process's entry stays in memory
    ApiConsumer.objects.filter(pk=consumer.pk).update(is_active=False)
    client_of_redis = cache._cache.get_client(write=True)
    client_of_redis.incr(cache.make_key("camdx-api:door:generation"))
    cache.delete(services._consumer_key(consumer.camdigikey_domain))
    assert door_cache.lookup(services.token_digest(token)) is not None
    assert client.get(DOOR, **bearer(token)).status_code == 401


def test_a_forgotten_token_is_checked_again(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    services.forget_token(token)
    assert client.get(DOOR, **bearer(token)).status_code == 200
    assert len(camdigikey.calls) == 2


def test_a_flushed_cache_drops_every_process_entry(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    key = cache.make_key("camdx-api:door:generation")
    cache._cache.get_client(write=True).delete(key)  # the generation comes back with a new random value
    cache.delete(services._cache_key(token))
    assert client.get(DOOR, **bearer(token)).status_code == 200
    assert len(camdigikey.calls) == 2


def test_an_entry_never_outlives_camdigikeys_answer(client, consumer, camdigikey, monkeypatch):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    entry = door_cache.lookup(services.token_digest(token))
    assert entry is not None and entry.until <= time.time() + door_cache.LOCAL_SECONDS
    later = time.time() + services.POSITIVE_TTL + 1
    assert door_cache.lookup(services.token_digest(token), now=later) is None


def test_the_x_road_member_is_checked_on_every_call(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT=MOC_XROAD).status_code == 200
    stranger = "CAMBODIA/GOV/MEF-0001/OTHER"
    assert client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT=stranger).status_code == 401
    assert ApiCall.objects.filter(outcome="xroad_client_mismatch").count() == 1


def test_each_call_is_counted_once_in_the_rate_window(client, make_consumer, camdigikey):
    make_consumer(rate_limit_per_minute=3)
    token = camdigikey.valid()
    statuses = [client.get(DOOR, **bearer(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_cache_outage_falls_back_to_the_full_check(client, consumer, camdigikey, monkeypatch):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(door_cache, "generation_and_count", down)
    assert client.get(DOOR, **bearer(token)).status_code == 200
