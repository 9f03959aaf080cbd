"""The KHQR data objects: tags, the SDK's names, length limits and the checks both directions share."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from payments.khqr.errors import KHQRError
from payments.khqr.tlv import js_length

# Top-level tags.
PAYLOAD_FORMAT_INDICATOR = "00"
POINT_OF_INITIATION = "01"
UNIONPAY_MERCHANT = "15"
INDIVIDUAL = "29"
MERCHANT = "30"
MERCHANT_CATEGORY_CODE = "52"
TRANSACTION_CURRENCY = "53"
TRANSACTION_AMOUNT = "54"
COUNTRY_CODE = "58"
MERCHANT_NAME = "59"
MERCHANT_CITY = "60"
ADDITIONAL_DATA = "62"
CRC = "63"
LANGUAGE_TEMPLATE = "64"
TIMESTAMP = "99"

STATIC, DYNAMIC = "11", "12"
KHR, USD = "116", "840"
CURRENCY_NAMES = {"KHR": KHR, "USD": USD}
DEFAULT_MERCHANT_CATEGORY_CODE = "5999"
DEFAULT_MERCHANT_CITY = "Phnom Penh"
DEFAULT_COUNTRY_CODE = "KH"
TIMESTAMP_DIGITS = 13

# Sub-tags of each template, in the order the SDK writes them, with the SDK's decode names.
ACCOUNT_SUBTAGS = {"00": "bakongAccountID", "01": "accountInformation", "02": "acquiringBank"}
ADDITIONAL_DATA_SUBTAGS = {
    "01": "billNumber",
    "02": "mobileNumber",
    "03": "storeLabel",
    "07": "terminalLabel",
    "08": "purposeOfTransaction",
}
LANGUAGE_SUBTAGS = {
    "00": "languagePreference",
    "01": "merchantNameAlternateLanguage",
    "02": "merchantCityAlternateLanguage",
}
TIMESTAMP_SUBTAGS = {"00": "creationTimestamp", "01": "expirationTimestamp"}

# name -> (longest value in characters, error when too long or empty). From the SDK's emv.INVALID_LENGTH.
TEXT_RULES = {
    "bakongAccountID": (32, "BAKONG_ACCOUNT_ID_LENGTH_INVALID"),
    "accountInformation": (32, "ACCOUNT_INFORMATION_LENGTH_INVALID"),
    "merchantID": (32, "MERCHANT_ID_LENGTH_INVALID"),
    "acquiringBank": (32, "ACQUIRING_BANK_LENGTH_INVALID"),
    "merchantName": (25, "MERCHANT_NAME_LENGTH_INVALID"),
    "merchantCity": (15, "MERCHANT_CITY_LENGTH_INVALID"),
    "billNumber": (25, "BILL_NUMBER_LENGTH_INVALID"),
    "mobileNumber": (25, "MOBILE_NUMBER_LENGTH_INVALID"),
    "storeLabel": (25, "STORE_LABEL_LENGTH_INVALID"),
    "terminalLabel": (25, "TERMINAL_LABEL_LENGTH_INVALID"),
    "purposeOfTransaction": (25, "PURPOSE_OF_TRANSACTION_LENGTH_INVALID"),
    "languagePreference": (2, "LANGUAGE_PREFERENCE_LENGTH_INVALID"),
    "merchantNameAlternateLanguage": (25, "MERCHANT_NAME_ALTERNATE_LANGUAGE_LENGTH_INVALID"),
    "merchantCityAlternateLanguage": (15, "MERCHANT_CITY_ALTERNATE_LANGUAGE_LENGTH_INVALID"),
    "unionPayMerchant": (99, "UPI_ACCOUNT_INFORMATION_LENGTH_INVALID"),
}
# Fields whose absence has its own error (the others, when present, must simply not be empty).
REQUIRED_ERRORS = {
    "bakongAccountID": "BAKONG_ACCOUNT_ID_REQUIRED",
    "merchantID": "MERCHANT_ID_REQUIRED",
    "acquiringBank": "ACQUIRING_BANK_REQUIRED",
    "merchantName": "MERCHANT_NAME_REQUIRED",
    "merchantCity": "MERCHANT_CITY_TAG_REQUIRED",
}


def check_text(name: str, value: str | None, *, required: bool = False) -> None:
    """A text field within the SDK's limit; empty counts as absent for the required ones."""
    if value is None or value == "":
        if required:
            raise KHQRError(REQUIRED_ERRORS[name])
        if value == "" and name not in ("accountInformation", "unionPayMerchant"):
            # The SDK refuses an empty sub-field it would write (bill number "", ...).
            raise KHQRError(REQUIRED_ERRORS.get(name, TEXT_RULES[name][1]))
        return
    limit, error = TEXT_RULES[name]
    if js_length(value) > limit:
        raise KHQRError(error)
    if name == "bakongAccountID" and "@" not in value:
        raise KHQRError("BAKONG_ACCOUNT_ID_INVALID")


def check_merchant_category_code(value: str) -> None:
    if value == "":
        raise KHQRError("MERCHANT_CATEGORY_TAG_REQUIRED")
    if js_length(value) > 4:
        raise KHQRError("MERCHANT_CODE_LENGTH_INVALID")
    if not (value.isascii() and value.isdigit()):
        raise KHQRError("INVALID_MERCHANT_CATEGORY_CODE")


def normalise_currency(value: object) -> str:
    """116 / 840, as a number or a string, or the names KHR / USD; the SDK's errors otherwise."""
    if value is None or value == "":
        raise KHQRError("CURRENCY_TYPE_REQUIRED")
    if isinstance(value, bool):
        raise KHQRError("UNSUPPORTED_CURRENCY", currency=repr(value))
    text = str(value).strip().upper()
    text = CURRENCY_NAMES.get(text, text)
    if len(text) > 3 and text.isdigit():
        raise KHQRError("TRANSACTION_CURRENCY_LENGTH_INVALID")
    if text not in (KHR, USD):
        raise KHQRError("UNSUPPORTED_CURRENCY", currency=repr(value))
    return text


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def check_amount_text(value: str) -> None:
    """Tag 54 as read from a QR: a plain non-negative decimal of at most 13 characters."""
    if value == "" or js_length(value) > 13:
        raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"{value!r} is not 1 to 13 characters")
    if "-" in value:
        raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"{value!r} is negative")
    if not _PLAIN_NUMBER.fullmatch(value):
        raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"{value!r} is not a number")


def js_number_text(value: object) -> str:
    """`String(amount)` in JavaScript, for the numbers and numeric strings an amount may be given as."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"{value!r} is not a number")
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"{value!r} is not a number")
        # JavaScript prints integral doubles without ".0" and others by their shortest round-trip form,
        # which is Python's repr for every amount that can fit in 13 characters.
        text = str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    else:
        text = format(value, "f")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"{value!r} is not a plain decimal number")
    return text


def is_zero_amount(value: object) -> bool:
    """`amount == undefined || amount == 0`, the SDK's test for a static QR."""
    if value is None or value == "":
        return True
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return False
    try:
        return Decimal(value.strip() if isinstance(value, str) else str(value)) == 0
    except (InvalidOperation, ValueError):
        return False


def format_amount(value: object, currency: str) -> str | None:
    """Tag 54 as `generateKHQR` writes it; None for a static QR (no amount, or an amount of 0).

    KHR: an integer (`12000`); a fraction is refused. USD: at most two decimals, written with exactly two
    when there are any (`12.5` -> `12.50`, `toFixed(2)`), an integer stays bare (`100`).
    """
    if value is None or value == "":
        return None
    text = js_number_text(value)
    number = Decimal(text)
    if number == 0:
        return None
    if currency == KHR:
        if number % 1 != 0:
            raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"KHR takes whole riels, not {text}")
        text = str(int(number))
    elif "." in text:
        if len(text.split(".", 1)[1]) > 2:
            raise KHQRError("TRANSACTION_AMOUNT_INVALID", detail=f"USD takes at most 2 decimals, not {text}")
        text = str(number.quantize(Decimal("0.01")))
    check_amount_text(text)
    return text


def timestamp_ms(value: object, which: str) -> int:
    """An epoch-milliseconds timestamp given as a number or a digit string."""
    if isinstance(value, bool):
        raise KHQRError("TIMESTAMP_INVALID", which=which, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    try:
        number = Decimal(str(value))
        if number % 1 == 0:
            return int(number)
    except (InvalidOperation, ValueError):
        pass
    raise KHQRError("TIMESTAMP_INVALID", which=which, value=value)
