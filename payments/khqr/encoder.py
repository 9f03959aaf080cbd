"""Build KHQR strings exactly as `BakongKHQR.generateIndividual` / `generateMerchant` (npm 1.0.20) do.

Tag order, default values, amount formatting, which optional objects appear and when, and the error raised
for each bad argument all follow the SDK's `generateKHQR`. Two deliberate departures, both for bad input
only: a value the two-digit length cannot hold (a template over 99 characters) is refused instead of being
written with a three-digit length, and a non-numeric amount is refused instead of being copied through.
Beyond the SDK, `creation_timestamp` and `now_ms` may be given, so a dynamic QR can be rebuilt
byte-for-byte (the SDK always stamps `Date.now()`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from payments.khqr import fields as f
from payments.khqr.errors import KHQRError
from payments.khqr.tlv import md5, tlv, with_crc

Amount = int | float | Decimal | str


@dataclass(frozen=True, kw_only=True)
class _Info:
    bakong_account_id: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None
    acquiring_bank: str | None = None
    currency: int | str | None = None
    amount: Amount | None = None
    bill_number: str | None = None
    mobile_number: str | None = None
    store_label: str | None = None
    terminal_label: str | None = None
    purpose_of_transaction: str | None = None
    language_preference: str | None = None
    merchant_name_alternate_language: str | None = None
    merchant_city_alternate_language: str | None = None
    upi_merchant_account: str | None = None
    merchant_category_code: int | str | None = None
    expiration_timestamp: int | str | None = None
    creation_timestamp: int | str | None = None  # ours: the SDK always uses the current time


@dataclass(frozen=True, kw_only=True)
class IndividualInfo(_Info):
    """The SDK's `IndividualInfo`: a personal Bakong account (tag 29)."""

    account_information: str | None = None


@dataclass(frozen=True, kw_only=True)
class MerchantInfo(_Info):
    """The SDK's `MerchantInfo`: a registered merchant (tag 30); merchant ID and acquiring bank required."""

    merchant_id: str | None = None


@dataclass(frozen=True)
class EncodedKHQR:
    qr: str
    md5: str

    def as_dict(self) -> dict[str, str]:
        return {"qr": self.qr, "md5": self.md5}


# The SDK's (camelCase) argument names -> ours.
SDK_ARGUMENTS = {
    "bakongAccountID": "bakong_account_id",
    "merchantName": "merchant_name",
    "merchantCity": "merchant_city",
    "merchantID": "merchant_id",
    "acquiringBank": "acquiring_bank",
    "accountInformation": "account_information",
    "currency": "currency",
    "amount": "amount",
    "billNumber": "bill_number",
    "mobileNumber": "mobile_number",
    "storeLabel": "store_label",
    "terminalLabel": "terminal_label",
    "purposeOfTransaction": "purpose_of_transaction",
    "languagePreference": "language_preference",
    "merchantNameAlternateLanguage": "merchant_name_alternate_language",
    "merchantCityAlternateLanguage": "merchant_city_alternate_language",
    "upiMerchantAccount": "upi_merchant_account",
    "merchantCategoryCode": "merchant_category_code",
    "expirationTimestamp": "expiration_timestamp",
    "creationTimestamp": "creation_timestamp",
}
_TEXT_FIELDS = {
    "bakong_account_id": "bakongAccountID",
    "merchant_name": "merchantName",
    "merchant_city": "merchantCity",
    "merchant_id": "merchantID",
    "acquiring_bank": "acquiringBank",
    "account_information": "accountInformation",
    "bill_number": "billNumber",
    "mobile_number": "mobileNumber",
    "store_label": "storeLabel",
    "terminal_label": "terminalLabel",
    "purpose_of_transaction": "purposeOfTransaction",
    "language_preference": "languagePreference",
    "merchant_name_alternate_language": "merchantNameAlternateLanguage",
    "merchant_city_alternate_language": "merchantCityAlternateLanguage",
    "upi_merchant_account": "unionPayMerchant",
}


def info_from_arguments(kind: type[_Info], arguments: Mapping[str, object]) -> _Info:
    """An info object from keyword arguments in either spelling; an SDK-style `optional` dict is merged."""
    flat: dict[str, object] = {}
    for key, value in arguments.items():
        if key == "optional":
            if not isinstance(value, Mapping):
                raise KHQRError("INVALID_ARGUMENT", detail="'optional' must be an object")
            for inner_key, inner_value in value.items():
                flat[_field_name(kind, inner_key)] = inner_value
        else:
            flat[_field_name(kind, key)] = value
    return kind(**flat)


def _field_name(kind: type[_Info], key: str) -> str:
    name = SDK_ARGUMENTS.get(key, key)
    if name not in {field.name for field in dataclasses.fields(kind)}:
        raise KHQRError("INVALID_ARGUMENT", detail=f"unknown argument {key!r} for {kind.__name__}")
    return name


def encode_individual(
    info: IndividualInfo | Mapping[str, object] | None = None, *, now_ms: int | None = None, **arguments
) -> EncodedKHQR:
    """`generateIndividual`: arguments as an `IndividualInfo`, a mapping, or keywords (either spelling)."""
    return _encode(_as_info(IndividualInfo, info, arguments), now_ms)


def encode_merchant(
    info: MerchantInfo | Mapping[str, object] | None = None, *, now_ms: int | None = None, **arguments
) -> EncodedKHQR:
    """`generateMerchant`: arguments as a `MerchantInfo`, a mapping, or keywords (either spelling)."""
    return _encode(_as_info(MerchantInfo, info, arguments), now_ms)


def _as_info(kind: type[_Info], info: object, arguments: Mapping[str, object]) -> _Info:
    if isinstance(info, kind):
        return info_from_arguments(kind, {**dataclasses.asdict(info), **arguments}) if arguments else info
    if info is not None and not isinstance(info, Mapping):
        raise KHQRError("INVALID_ARGUMENT", detail=f"expected a {kind.__name__} or a mapping")
    return info_from_arguments(kind, {**(info or {}), **arguments})


def _cleaned(info: _Info) -> dict[str, object]:
    """Like the SDK's `removeEmptyElement`: null, undefined and "" (and so 0) mean "not given"."""
    values: dict[str, object] = {}
    for field in dataclasses.fields(info):
        value = getattr(info, field.name)
        if isinstance(value, int) and not isinstance(value, bool) and field.name in _TEXT_FIELDS:
            value = str(value)  # digits given as a JSON number (merchant ID, mobile number)
        if field.name in _TEXT_FIELDS and value is not None and not isinstance(value, str):
            raise KHQRError("INVALID_ARGUMENT", detail=f"{_TEXT_FIELDS[field.name]} must be text")
        if value is None or value == "" or (_is_number(value) and value == 0):
            continue
        values[field.name] = value
    return values


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _encode(info: _Info, now_ms: int | None) -> EncodedKHQR:
    is_merchant = isinstance(info, MerchantInfo)
    v = _cleaned(info)
    now = int(time.time() * 1000) if now_ms is None else now_ms

    # Checked in the SDK's order, so that the first error reported is the one the SDK reports.
    point_of_initiation = f.STATIC if f.is_zero_amount(v.get("amount")) else f.DYNAMIC
    parts = [tlv(f.PAYLOAD_FORMAT_INDICATOR, "01"), tlv(f.POINT_OF_INITIATION, point_of_initiation)]
    upi = v.get("upi_merchant_account")
    if upi:
        f.check_text("unionPayMerchant", upi)
        parts.append(tlv(f.UNIONPAY_MERCHANT, upi))
    parts.append(_account_template(v, is_merchant))

    mcc = str(v.get("merchant_category_code", f.DEFAULT_MERCHANT_CATEGORY_CODE))
    f.check_merchant_category_code(mcc)
    parts.append(tlv(f.MERCHANT_CATEGORY_CODE, mcc))
    currency = f.normalise_currency(v.get("currency", f.KHR))
    parts.append(tlv(f.TRANSACTION_CURRENCY, currency))
    if currency == f.USD and upi:
        raise KHQRError("UPI_ACCOUNT_INFORMATION_INVALID_CURRENCY")
    if point_of_initiation == f.DYNAMIC:
        parts.append(tlv(f.TRANSACTION_AMOUNT, f.format_amount(v["amount"], currency)))
    parts.append(tlv(f.COUNTRY_CODE, f.DEFAULT_COUNTRY_CODE))

    f.check_text("merchantName", v.get("merchant_name"), required=True)
    parts.append(tlv(f.MERCHANT_NAME, v["merchant_name"]))
    city = v.get("merchant_city") or f.DEFAULT_MERCHANT_CITY
    f.check_text("merchantCity", city, required=True)
    parts.append(tlv(f.MERCHANT_CITY, city))

    additional = _template(v, f.ADDITIONAL_DATA_SUBTAGS)
    if additional:
        parts.append(tlv(f.ADDITIONAL_DATA, additional))
    language = _language_template(v)
    if language:
        parts.append(tlv(f.LANGUAGE_TEMPLATE, language))
    if point_of_initiation == f.DYNAMIC:
        parts.append(_timestamp_template(v, now))

    qr = with_crc("".join(parts))
    return EncodedKHQR(qr=qr, md5=md5(qr))


def _account_template(v: dict[str, object], is_merchant: bool) -> str:
    f.check_text("bakongAccountID", v.get("bakong_account_id"), required=True)
    value = tlv("00", v["bakong_account_id"])
    if is_merchant:
        f.check_text("merchantID", v.get("merchant_id"), required=True)
        f.check_text("acquiringBank", v.get("acquiring_bank"), required=True)
        value += tlv("01", v["merchant_id"]) + tlv("02", v["acquiring_bank"])
        return tlv(f.MERCHANT, value)
    for subtag, name, key in (
        ("01", "accountInformation", "account_information"),
        ("02", "acquiringBank", "acquiring_bank"),
    ):
        if key in v:
            f.check_text(name, v[key])
            value += tlv(subtag, v[key])
    return tlv(f.INDIVIDUAL, value)


def _template(v: dict[str, object], subtags: dict[str, str]) -> str:
    value = ""
    for subtag, name in subtags.items():
        key = SDK_ARGUMENTS[name]
        if key in v:
            f.check_text(name, v[key])
            value += tlv(subtag, v[key])
    return value


def _language_template(v: dict[str, object]) -> str:
    preference = v.get("language_preference")
    name = v.get("merchant_name_alternate_language")
    if preference and not name:
        raise KHQRError("MERCHANT_NAME_ALTERNATE_LANGUAGE_REQUIRED")
    if name and not preference:
        # The SDK crashes here (a TypeError on `undefined.length`); say what is missing instead.
        raise KHQRError("LANGUAGE_PREFERENCE_REQUIRED")
    return _template(v, f.LANGUAGE_SUBTAGS)


def _timestamp_template(v: dict[str, object], now: int) -> str:
    if "expiration_timestamp" not in v:
        raise KHQRError("EXPIRATION_TIMESTAMP_REQUIRED")
    expiration = f.timestamp_ms(v["expiration_timestamp"], "expiration")
    creation = f.timestamp_ms(v.get("creation_timestamp", now), "creation")
    if len(str(expiration)) != f.TIMESTAMP_DIGITS:
        raise KHQRError("EXPIRATION_TIMESTAMP_LENGTH_INVALID")
    if len(str(creation)) != f.TIMESTAMP_DIGITS:
        raise KHQRError("TIMESTAMP_INVALID", which="creation", value=creation)
    if expiration < creation:
        raise KHQRError("EXPIRATION_TIMESTAMP_IN_THE_PAST")
    if expiration < now:
        raise KHQRError("KHQR_EXPIRED", expiration=expiration)
    return tlv(f.TIMESTAMP, tlv("00", str(creation)) + tlv("01", str(expiration)))


# Decode names that are not generator arguments: the generator derives or fixes them.
_DERIVED = {"merchantType", "payloadFormatIndicator", "pointofInitiationMethod", "countryCode", "crc"}
_DECODE_TO_ARGUMENT = {
    "transactionCurrency": "currency",
    "transactionAmount": "amount",
    "unionPayMerchant": "upiMerchantAccount",
}


def encode_decoded(decoded: Mapping[str, str | None], *, now_ms: int | None = None) -> EncodedKHQR:
    """Rebuild a QR from `decode`'s fields; byte-identical for every QR the SDK (or this module) made.

    Fields the SDK cannot write (a postal code, unknown tags) are not in `decode`'s result and so are lost;
    `serialize(parse(qr))` keeps everything.
    """
    merchant_type = decoded.get("merchantType")
    if merchant_type not in ("29", "30"):
        raise KHQRError("MERCHANT_TYPE_REQUIRED")
    arguments = {
        _DECODE_TO_ARGUMENT.get(name, name): value
        for name, value in decoded.items()
        if value is not None and name not in _DERIVED
    }
    if merchant_type == "30":
        arguments.pop("accountInformation", None)
        return encode_merchant(arguments, now_ms=now_ms)
    return encode_individual(arguments, now_ms=now_ms)
