"""Read and verify KHQR strings: `decode` as `BakongKHQR.decode`, `verify` as `BakongKHQR.verify`, stricter.

`decode` names every field the way the SDK does and leaves absent ones `None`; it needs a well-formed TLV
structure (the SDK silently misreads a broken one) but checks no CRC and no value, so an operator can look
inside a refused QR. `verify` gives the first reason a string is not a valid KHQR, in the SDK's order:
form and CRC, then structure, then the required fields, then each value, then the dynamic-QR rules
(amount, timestamps, expiry). Beyond the SDK it refuses what EMVCo forbids and the SDK lets through:
a malformed or overlong TLV length, a duplicated tag, tag 00 not first, tag 63 not last, both 29 and 30.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from payments.khqr import fields as f
from payments.khqr.errors import KHQRError
from payments.khqr.tlv import CRC_HEADER, DataObject, crc16, js_length, parse

# The SDK's decode result, in its order.
DECODE_FIELDS = (
    "merchantType",
    "bakongAccountID",
    "accountInformation",
    "merchantID",
    "acquiringBank",
    *f.ADDITIONAL_DATA_SUBTAGS.values(),
    *f.LANGUAGE_SUBTAGS.values(),
    *f.TIMESTAMP_SUBTAGS.values(),
    "payloadFormatIndicator",
    "pointofInitiationMethod",
    "unionPayMerchant",
    "merchantCategoryCode",
    "transactionCurrency",
    "transactionAmount",
    "countryCode",
    "merchantName",
    "merchantCity",
    "crc",
)
_SIMPLE_TAGS = {
    f.PAYLOAD_FORMAT_INDICATOR: "payloadFormatIndicator",
    f.POINT_OF_INITIATION: "pointofInitiationMethod",
    f.UNIONPAY_MERCHANT: "unionPayMerchant",
    f.MERCHANT_CATEGORY_CODE: "merchantCategoryCode",
    f.TRANSACTION_CURRENCY: "transactionCurrency",
    f.TRANSACTION_AMOUNT: "transactionAmount",
    f.COUNTRY_CODE: "countryCode",
    f.MERCHANT_NAME: "merchantName",
    f.MERCHANT_CITY: "merchantCity",
    f.CRC: "crc",
}
_TEMPLATES = {
    f.INDIVIDUAL: f.ACCOUNT_SUBTAGS,
    f.MERCHANT: {**f.ACCOUNT_SUBTAGS, "01": "merchantID"},
    f.ADDITIONAL_DATA: f.ADDITIONAL_DATA_SUBTAGS,
    f.LANGUAGE_TEMPLATE: f.LANGUAGE_SUBTAGS,
    f.TIMESTAMP: f.TIMESTAMP_SUBTAGS,
}
_REQUIRED = (
    (f.PAYLOAD_FORMAT_INDICATOR, "PAYLOAD_FORMAT_INDICATOR_TAG_REQUIRED"),
    (f.MERCHANT_CATEGORY_CODE, "MERCHANT_CATEGORY_TAG_REQUIRED"),
    (f.TRANSACTION_CURRENCY, "CURRENCY_TYPE_REQUIRED"),
    (f.COUNTRY_CODE, "COUNTRY_CODE_TAG_REQUIRED"),
    (f.MERCHANT_NAME, "MERCHANT_NAME_REQUIRED"),
    (f.MERCHANT_CITY, "MERCHANT_CITY_TAG_REQUIRED"),
)
_CRC_TAIL = re.compile(r"6304[0-9A-Fa-f]{4}\Z")
_MIN_LENGTH = 12  # the SDK's emv.INVALID_LENGTH.KHQR


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    reason: str = ""  # why not, in words; "" when valid
    error: str = ""  # the stable name, e.g. "CRC_INVALID"
    code: int | None = None  # the SDK's error code, when it has one

    def __bool__(self) -> bool:
        return self.valid


def decode(qr: str) -> dict[str, str | None]:
    """The SDK's decode fields (absent ones None); KHQRError when the TLV structure itself is broken."""
    _check_text(qr)
    result: dict[str, str | None] = dict.fromkeys(DECODE_FIELDS)
    for obj in parse(qr):
        if obj.tag in _SIMPLE_TAGS:
            result[_SIMPLE_TAGS[obj.tag]] = obj.value
        elif obj.tag in _TEMPLATES:
            if obj.tag in (f.INDIVIDUAL, f.MERCHANT):
                result["merchantType"] = obj.tag
            result.update(_subfields(obj))
    return result


def verify(qr: str, *, now_ms: int | None = None) -> VerifyResult:
    """Whether `qr` is a valid KHQR now (or at `now_ms`), and if not the first reason why."""
    try:
        _verify(qr, int(time.time() * 1000) if now_ms is None else now_ms)
    except KHQRError as error:
        return VerifyResult(valid=False, reason=error.message, error=error.name, code=error.code)
    return VerifyResult(valid=True)


def _check_text(qr: object) -> None:
    if not isinstance(qr, str):
        raise KHQRError("KHQR_INVALID", detail="not text")
    if any("\ud800" <= char <= "\udfff" for char in qr):
        raise KHQRError("KHQR_INVALID", detail="it holds a broken character")


def _subfields(obj: DataObject) -> dict[str, str]:
    names = _TEMPLATES[obj.tag]
    values = {}
    for sub in parse(obj.value, offset=obj.position + 4):
        if sub.tag in names:  # the SDK ignores sub-tags it does not know
            values[names[sub.tag]] = sub.value
    return values


def _verify(qr: str, now: int) -> None:
    _check_text(qr)
    if js_length(qr) < _MIN_LENGTH:
        raise KHQRError("KHQR_INVALID", detail="too short")
    if not _CRC_TAIL.search(qr):
        raise KHQRError("CRC_TAG_REQUIRED")
    expected, found = crc16(qr[:-4]), qr[-4:].upper()
    if expected != found:
        raise KHQRError("CRC_INVALID", found=found, expected=expected)

    objects = parse(qr)
    if objects[-1].tag != f.CRC or objects[-1].position != js_length(qr) - len(CRC_HEADER) - 4:
        raise KHQRError("CRC_NOT_LAST")
    tags = [obj.tag for obj in objects]
    for tag in tags:
        if tags.count(tag) > 1:
            raise KHQRError("TAG_DUPLICATED", tag=tag)
    if f.PAYLOAD_FORMAT_INDICATOR in tags and tags[0] != f.PAYLOAD_FORMAT_INDICATOR:
        raise KHQRError("TAG_NOT_IN_ORDER", tag=f.PAYLOAD_FORMAT_INDICATOR)
    by_tag = {obj.tag: obj for obj in objects}
    for tag, error in _REQUIRED[:1]:
        if tag not in by_tag:
            raise KHQRError(error)
    if f.INDIVIDUAL in by_tag and f.MERCHANT in by_tag:
        raise KHQRError("MERCHANT_TYPE_AMBIGUOUS")
    if f.INDIVIDUAL not in by_tag and f.MERCHANT not in by_tag:
        raise KHQRError("MERCHANT_TYPE_REQUIRED")
    for tag, error in _REQUIRED[1:]:
        if tag not in by_tag:
            raise KHQRError(error)

    subfields = {tag: _strict_subfields(by_tag[tag]) for tag in _TEMPLATES if tag in by_tag}
    for obj in objects:
        _check_value(obj, subfields.get(obj.tag))
    _check_dynamic(by_tag, subfields.get(f.TIMESTAMP), now)


def _strict_subfields(obj: DataObject) -> dict[str, str]:
    subs = parse(obj.value, offset=obj.position + 4)
    seen = [sub.tag for sub in subs]
    for tag in seen:
        if seen.count(tag) > 1:
            raise KHQRError("TAG_DUPLICATED", tag=f"{obj.tag}.{tag}")
    return _subfields(obj)


def _check_value(obj: DataObject, subs: dict[str, str] | None) -> None:
    tag, value = obj.tag, obj.value
    if tag == f.PAYLOAD_FORMAT_INDICATOR:
        if len(value) > 2:
            raise KHQRError("PAYLOAD_FORMAT_INDICATOR_LENGTH_INVALID")
        if value != "01":
            raise KHQRError("PAYLOAD_FORMAT_INDICATOR_INVALID", value=value)
    elif tag == f.POINT_OF_INITIATION:
        if len(value) > 2:
            raise KHQRError("POINT_INITIATION_LENGTH_INVALID")
        if value not in (f.STATIC, f.DYNAMIC):
            raise KHQRError("POINT_OF_INITIATION_METHOD_INVALID")
    elif tag == f.UNIONPAY_MERCHANT:
        f.check_text("unionPayMerchant", value)
    elif tag in (f.INDIVIDUAL, f.MERCHANT):
        f.check_text("bakongAccountID", subs.get("bakongAccountID"), required=True)
        for name in ("accountInformation", "merchantID", "acquiringBank"):
            if name in subs:
                f.check_text(name, subs[name])
    elif tag == f.MERCHANT_CATEGORY_CODE:
        f.check_merchant_category_code(value)
    elif tag == f.TRANSACTION_CURRENCY:
        if len(value) > 3:
            raise KHQRError("TRANSACTION_CURRENCY_LENGTH_INVALID")
        if value not in (f.KHR, f.USD):
            raise KHQRError("UNSUPPORTED_CURRENCY", currency=repr(value))
    elif tag == f.TRANSACTION_AMOUNT:
        f.check_amount_text(value)
    elif tag == f.COUNTRY_CODE:
        if value == "":
            raise KHQRError("COUNTRY_CODE_TAG_REQUIRED")
        if len(value) != 2:
            raise KHQRError("COUNTRY_CODE_LENGTH_INVALID")
    elif tag == f.MERCHANT_NAME:
        f.check_text("merchantName", value, required=True)
    elif tag == f.MERCHANT_CITY:
        f.check_text("merchantCity", value, required=True)
    elif tag in (f.ADDITIONAL_DATA, f.LANGUAGE_TEMPLATE):
        if (
            tag == f.LANGUAGE_TEMPLATE
            and subs.get("languagePreference")
            and not subs.get("merchantNameAlternateLanguage")
        ):
            raise KHQRError("MERCHANT_NAME_ALTERNATE_LANGUAGE_REQUIRED")
        for name, sub_value in subs.items():
            f.check_text(name, sub_value)


def _check_dynamic(by_tag: dict[str, DataObject], stamps: dict[str, str] | None, now: int) -> None:
    point = by_tag.get(f.POINT_OF_INITIATION)
    dynamic = point is not None and point.value == f.DYNAMIC
    if dynamic and f.TRANSACTION_AMOUNT not in by_tag:
        raise KHQRError("INVALID_DYNAMIC_KHQR")
    if (dynamic or f.TRANSACTION_AMOUNT in by_tag) and stamps is None:
        raise KHQRError("EXPIRATION_TIMESTAMP_REQUIRED")
    if stamps is None:
        return
    values = {}
    for which, name in (("creation", "creationTimestamp"), ("expiration", "expirationTimestamp")):
        if name in stamps:
            if not (stamps[name].isascii() and stamps[name].isdigit()):
                raise KHQRError("TIMESTAMP_INVALID", which=which, value=stamps[name])
            values[which] = int(stamps[name])
    if not dynamic:
        return  # a static QR may carry a creation time (some generators add one); nothing expires
    expiration = values.get("expiration")
    if not expiration:
        raise KHQRError("EXPIRATION_TIMESTAMP_REQUIRED")
    if len(str(expiration)) != f.TIMESTAMP_DIGITS:
        raise KHQRError("EXPIRATION_TIMESTAMP_LENGTH_INVALID")
    if expiration < values.get("creation", 0):
        raise KHQRError("EXPIRATION_TIMESTAMP_IN_THE_PAST")
    if expiration < now:
        raise KHQRError("KHQR_EXPIRED", expiration=expiration)
