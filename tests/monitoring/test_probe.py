"""The probe over real HTTP: each kind of answer judged up, slow or down with its error class; never
raises; not written to the outgoing-request log."""

from __future__ import annotations

import pytest

from esb.models import OutgoingRequest
from monitoring import probe

pytestmark = pytest.mark.django_db


def _run(stub, check_kind="part5_health", timeout=2, slow_ms=1000):
    return probe.run(stub.url, check_kind=check_kind, timeout_seconds=timeout, slow_ms=slow_ms)


def test_a_healthy_part5_answer_is_up_and_not_logged(stub):
    stub.answer(200, {"code": 200, "message": "OK"})
    answer = _run(stub)
    assert (answer.outcome, answer.http_status, answer.error_class) == ("up", 200, "")
    assert answer.latency_ms is not None and answer.latency_ms < 1000
    assert not OutgoingRequest.objects.exists()


def test_a_500_is_down(stub):
    stub.answer(500, b"<html>Internal error</html>")
    answer = _run(stub)
    assert (answer.outcome, answer.http_status, answer.error_class) == ("down", 500, "http_status")


def test_a_503_part5_answer_is_down(stub):
    stub.answer(503, {"code": 503, "message": "Service Unavailable"})
    assert _run(stub).error_class == "http_status"


def test_a_200_that_is_not_json_is_down(stub):
    stub.answer(200, b"OK but not json")
    answer = _run(stub)
    assert (answer.outcome, answer.error_class) == ("down", "bad_json")


def test_a_200_whose_code_says_unhealthy_is_down(stub):
    stub.answer(200, {"code": 500, "message": "database down"})
    assert _run(stub).error_class == "unhealthy"
    stub.answer(200, ["not", "an", "object"])
    assert _run(stub).error_class == "bad_json"


def test_plain_http_judging_takes_any_2xx_and_ignores_the_body(stub):
    stub.answer(204, b"")
    assert _run(stub, check_kind="http_2xx").outcome == "up"
    stub.answer(302, b"")
    assert _run(stub, check_kind="http_2xx").error_class == "http_status"


def test_a_slow_answer_is_slow(stub):
    stub.answer(200, {"code": 200}, delay=0.3)
    answer = _run(stub, slow_ms=100)
    assert answer.outcome == "slow" and answer.latency_ms >= 300


def test_no_answer_within_the_timeout_is_down(stub):
    stub.answer(200, {"code": 200}, delay=2.5)
    answer = _run(stub, timeout=1)
    assert (answer.outcome, answer.error_class, answer.http_status) == ("down", "timeout", None)
    assert 900 <= answer.latency_ms < 2400


def test_a_refused_connection_is_down():
    answer = probe.run("http://127.0.0.1:9/health", check_kind="part5_health", timeout_seconds=1, slow_ms=500)
    assert (answer.outcome, answer.error_class) == ("down", "connection")


def test_an_oversized_answer_is_down(stub):
    stub.answer(200, b"{" + b" " * (probe.MAX_BODY + 10) + b"}")
    assert _run(stub).error_class == "too_large"
