"""The webhook signature scheme (docs/payments.md): the documented worked example, and what is refused."""

from __future__ import annotations

import pytest

from payments.contrib.gateway import signing

SECRET = "esb-gateway-sandbox-webhook-secret"
BODY = (
    b'{"id":"evt_1","type":"payment.succeeded","data":{"reference":"3f1c0a52-0d7e-4f83-9c55-2b9f4a0c7e11",'
    b'"amount":"25500.00","currency":"KHR","transaction_id":"tr_1","method":"card",'
    b'"paid_at":"2026-12-04T10:00:00+07:00"}}'
)
EXAMPLE = "t=1764842400,v1=b28c7d940de23b74f5929107f745c4d0b211c27f3b56d9334bc8e4162a7e587a"


def test_the_documented_example_is_what_the_scheme_computes():
    assert signing.header_value(SECRET, BODY, 1764842400) == EXAMPLE
    assert signing.verify(EXAMPLE, BODY, SECRET, tolerance=300, now=1764842400 + 299) == 1764842400


def test_any_of_several_signatures_is_enough_during_a_secret_rotation():
    old = signing.compute("the-previous-secret", 1764842400, BODY)
    header = f"t=1764842400,v1={old},{EXAMPLE.split(',')[1]}"
    assert signing.verify(header, BODY, SECRET, tolerance=300, now=1764842400)


@pytest.mark.parametrize(
    ("header", "body", "now", "code"),
    [
        (None, BODY, 1764842400, "missing_signature"),
        ("", BODY, 1764842400, "missing_signature"),
        ("v1=abc", BODY, 1764842400, "bad_signature"),
        ("t=1764842400", BODY, 1764842400, "bad_signature"),
        (EXAMPLE, BODY + b" ", 1764842400, "bad_signature"),
        (EXAMPLE.replace("t=1764842400", "t=1764842401"), BODY, 1764842400, "bad_signature"),
        (EXAMPLE, BODY, 1764842400 + 301, "stale_timestamp"),
        (EXAMPLE, BODY, 1764842400 - 301, "stale_timestamp"),
    ],
)
def test_refusals_name_their_reason(header, body, now, code):
    with pytest.raises(signing.SignatureError) as refused:
        signing.verify(header, body, SECRET, tolerance=300, now=now)
    assert refused.value.code == code


def test_without_a_secret_nothing_verifies():
    with pytest.raises(signing.SignatureError):
        signing.verify(EXAMPLE, BODY, "", tolerance=300, now=1764842400)
