"""Property-style round trips on seeded random inputs, and a cross-check against an independent library.

(hypothesis is not a project dependency: a seeded loop keeps failures reproducible.)
"""

from __future__ import annotations

import binascii
import hashlib
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest

from payments import khqr
from payments.khqr.tlv import with_crc

SEED = 20261204
KHMER = "កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអាិីឹឺុូួើឿៀេែៃោៅំះ្់៉៊"
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -#./"
UNSPACED = LATIN.replace(" ", "")  # the other library strips values; NBC's SDK keeps them as given


def text(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def random_arguments(rng: random.Random) -> tuple[str, dict, int]:
    """One generateIndividual / generateMerchant call: (kind, arguments, the clock in ms)."""
    kind = rng.choice(["individual", "merchant"])
    now = rng.randint(1_700_000_000_000, 2_000_000_000_000)
    args: dict = {
        "bakongAccountID": text(rng, LATIN[:52] + "_.", 1, 20) + "@" + text(rng, LATIN[:26].lower(), 1, 8),
        "merchantName": text(rng, rng.choice([LATIN, KHMER]), 1, 25),
    }
    currency = rng.choice([116, 840, "116", "840", "KHR", "USD"])
    args["currency"] = currency
    is_khr = str(currency) in ("116", "KHR")
    if rng.random() < 0.6:
        if is_khr:
            args["amount"] = rng.choice([rng.randint(1, 10**9), float(rng.randint(1, 10**6))])
        else:
            cents = rng.randint(1, 10**9)
            args["amount"] = rng.choice([cents / 100, str(Decimal(cents) / 100), cents])
        args["expirationTimestamp"] = now + rng.randint(1, 600_000)
        if rng.random() < 0.5:
            args["creationTimestamp"] = now - rng.randint(0, 1000)
    if rng.random() < 0.7:
        args["merchantCity"] = text(rng, rng.choice([LATIN, KHMER]), 1, 15)
    for name in ("billNumber", "mobileNumber", "storeLabel", "terminalLabel", "purposeOfTransaction"):
        if rng.random() < 0.35:
            args[name] = text(rng, LATIN, 1, 15)
    if rng.random() < 0.4:
        args["languagePreference"] = rng.choice(["km", "KM", "en"])
        args["merchantNameAlternateLanguage"] = text(rng, KHMER, 1, 25)
        if rng.random() < 0.6:
            args["merchantCityAlternateLanguage"] = text(rng, KHMER, 1, 15)
    if is_khr and rng.random() < 0.2:
        args["upiMerchantAccount"] = text(rng, "0123456789", 31, 31)
    if rng.random() < 0.3:
        args["merchantCategoryCode"] = f"{rng.randint(0, 9999):04d}"
    if kind == "merchant":
        args["merchantID"] = text(rng, LATIN, 1, 20)
        args["acquiringBank"] = text(rng, LATIN, 1, 20)
    else:
        for name in ("accountInformation", "acquiringBank"):
            if rng.random() < 0.3:
                args[name] = text(rng, LATIN, 1, 20)
    return kind, args, now


def expected_amount(amount: object, is_khr: bool) -> str:
    """KHR: whole riels. USD: JavaScript's String(amount), then toFixed(2) when it has decimals."""
    if is_khr:
        return str(int(Decimal(str(amount))))
    js = str(int(amount)) if isinstance(amount, float) and amount.is_integer() else str(amount)
    return f"{Decimal(js):.2f}" if "." in js else js


def test_random_round_trips():
    rng = random.Random(SEED)
    for _ in range(400):
        kind, args, now = random_arguments(rng)
        encode = khqr.encode_merchant if kind == "merchant" else khqr.encode_individual
        result = encode(args, now_ms=now)
        qr = result.qr
        assert khqr.verify(qr, now_ms=now).valid, (args, khqr.verify(qr, now_ms=now))
        assert result.md5 == hashlib.md5(qr.encode("utf-8")).hexdigest()
        assert qr[-4:] == f"{binascii.crc_hqx(qr[:-4].encode('utf-8'), 0xFFFF):04X}"
        assert khqr.serialize(khqr.parse(qr)) == qr

        decoded = khqr.decode(qr)
        assert decoded["merchantType"] == ("30" if kind == "merchant" else "29")
        for name in ("bakongAccountID", "merchantName", "billNumber", "mobileNumber", "storeLabel"):
            assert decoded[name] == args.get(name), name
        assert decoded["merchantCity"] == args.get("merchantCity", "Phnom Penh")
        assert decoded["merchantNameAlternateLanguage"] == args.get("merchantNameAlternateLanguage")
        assert decoded["merchantCityAlternateLanguage"] == args.get("merchantCityAlternateLanguage")
        assert decoded["unionPayMerchant"] == args.get("upiMerchantAccount")
        is_khr = str(args["currency"]) in ("116", "KHR")
        assert decoded["transactionCurrency"] == ("116" if is_khr else "840")
        if "amount" in args:
            assert decoded["pointofInitiationMethod"] == "12"
            assert decoded["transactionAmount"] == expected_amount(args["amount"], is_khr)
            assert decoded["expirationTimestamp"] == str(args["expirationTimestamp"])
            assert decoded["creationTimestamp"] == str(args.get("creationTimestamp", now))
            assert not khqr.verify(qr, now_ms=args["expirationTimestamp"] + 1).valid
        else:
            assert (decoded["pointofInitiationMethod"], decoded["transactionAmount"]) == ("11", None)
            assert decoded["expirationTimestamp"] is None

        assert khqr.encode_decoded(decoded, now_ms=now).qr == qr


def test_random_corruptions_are_refused():
    """Changing any one character of a valid QR makes it invalid (CRC, or structure when in the CRC)."""
    rng = random.Random(SEED + 1)
    for _ in range(150):
        kind, args, now = random_arguments(rng)
        encode = khqr.encode_merchant if kind == "merchant" else khqr.encode_individual
        qr = encode(args, now_ms=now).qr
        position = rng.randrange(len(qr))
        replacement = rng.choice([c for c in "0123456789AZaz ក" if c != qr[position]])
        corrupted = qr[:position] + replacement + qr[position + 1 :]
        result = khqr.verify(corrupted, now_ms=now)
        assert not result.valid, (qr, position)
        assert result.reason


# -- cross-check against the PyPI `bakong-khqr` package (bsthen, unofficial; a dev-only dependency) ---------


@pytest.fixture
def other_khqr(monkeypatch):
    bakong_khqr = pytest.importorskip("bakong_khqr")
    from bakong_khqr.sdk import timestamp

    clock = SimpleNamespace(now=1_767_225_600.0)
    monkeypatch.setattr(timestamp, "time", SimpleNamespace(time=lambda: clock.now))
    return bakong_khqr.KHQR(), clock


def _without_timestamp(qr: str) -> str:
    """The other library stamps static QRs with a creation time; NBC's SDK (and we) do not."""
    return with_crc(khqr.serialize([o for o in khqr.parse(qr[:-8]) if o.tag != "99"]))


def test_cross_check_against_the_pypi_bakong_khqr_package(other_khqr):
    theirs, clock = other_khqr
    rng = random.Random(SEED + 2)
    identical = 0
    for _ in range(300):
        clock.now = rng.randint(1_700_000_000, 2_000_000_000) + rng.randint(0, 999) / 1000
        now_ms = int(clock.now * 1000)
        currency = rng.choice(["KHR", "USD"])
        static = rng.random() < 0.3
        if currency == "KHR":
            amount = rng.randint(100, 10**9)
        else:  # cents whose last digit is not 0: the other library writes 12.5 where the SDK writes 12.50
            amount = rng.choice(
                [rng.randint(1, 10**6), (rng.randint(1, 10**7) * 10 + rng.randint(1, 9)) / 100]
            )
        extra_name, extra = rng.choice(
            [
                (None, None),
                ("billNumber", "bill_number"),
                ("storeLabel", "store_label"),
                ("terminalLabel", "terminal_label"),
            ]
        )
        extra_value = text(rng, UNSPACED, 1, 25)
        fields = {
            "account_id": text(rng, LATIN[:52], 1, 20) + "@" + text(rng, "abcdefgh", 1, 8),
            "merchant_name": text(rng, rng.choice([UNSPACED, KHMER]), 1, 25),
            "merchant_city": text(rng, UNSPACED, 1, 15),
        }
        days = rng.randint(1, 3)
        their_qr = str(
            theirs.create_qr(
                amount=0 if static else amount,
                currency=currency,
                expiration=days,
                **fields,
                **({extra: extra_value} if extra else {}),
            )
        )
        ours = khqr.encode_individual(
            bakongAccountID=fields["account_id"],
            merchantName=fields["merchant_name"],
            merchantCity=fields["merchant_city"],
            currency=currency,
            amount=None if static else amount,
            creationTimestamp=now_ms,
            expirationTimestamp=None if static else now_ms + days * 86_400_000,
            now_ms=now_ms,
            **({extra_name: extra_value} if extra_name else {}),
        ).qr
        assert khqr.verify(their_qr, now_ms=now_ms).valid, their_qr
        expected = _without_timestamp(their_qr) if static else their_qr
        assert ours == expected, (ours, their_qr)
        assert khqr.md5(ours) == hashlib.md5(expected.encode()).hexdigest()
        identical += 1
    assert identical == 300
