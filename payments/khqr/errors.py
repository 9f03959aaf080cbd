"""Why a KHQR string or an encoder argument is refused: a stable name, the SDK's numeric code, a message.

Names and numbers follow `bakong-khqr` (npm 1.0.20, `src/constant/errorCode.js`) so that an operator can
compare with what a bank's SDK reports. Where the SDK only says "KHQR provided is invalid" (or nothing, as
for a malformed TLV it silently misreads) we give a precise name of our own and no number.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# name -> (SDK code or None, message template with %(placeholders)s)
ERRORS = {
    "BAKONG_ACCOUNT_ID_REQUIRED": (1, _("The Bakong account ID is required.")),
    "MERCHANT_NAME_REQUIRED": (2, _("The merchant name is required.")),
    "BAKONG_ACCOUNT_ID_INVALID": (3, _("The Bakong account ID must look like name@bank.")),
    "TRANSACTION_AMOUNT_INVALID": (4, _("The amount is invalid: %(detail)s.")),
    "MERCHANT_TYPE_REQUIRED": (5, _("Merchant account information (tag 29 or 30) is missing.")),
    "BAKONG_ACCOUNT_ID_LENGTH_INVALID": (6, _("The Bakong account ID is longer than 32 characters.")),
    "MERCHANT_NAME_LENGTH_INVALID": (7, _("The merchant name is longer than 25 characters.")),
    "KHQR_INVALID": (8, _("This is not a KHQR string: %(detail)s.")),
    "CURRENCY_TYPE_REQUIRED": (9, _("The currency (tag 53) is missing.")),
    "BILL_NUMBER_LENGTH_INVALID": (10, _("The bill number must be 1 to 25 characters.")),
    "STORE_LABEL_LENGTH_INVALID": (11, _("The store label must be 1 to 25 characters.")),
    "TERMINAL_LABEL_LENGTH_INVALID": (12, _("The terminal label must be 1 to 25 characters.")),
    "PAYLOAD_FORMAT_INDICATOR_LENGTH_INVALID": (16, _("The payload format indicator must be 2 characters.")),
    "POINT_INITIATION_LENGTH_INVALID": (17, _("The point of initiation method must be 2 characters.")),
    "MERCHANT_CODE_LENGTH_INVALID": (18, _("The merchant category code is longer than 4 digits.")),
    "TRANSACTION_CURRENCY_LENGTH_INVALID": (19, _("The currency code is longer than 3 characters.")),
    "COUNTRY_CODE_LENGTH_INVALID": (20, _("The country code must be 2 letters.")),
    "MERCHANT_CITY_LENGTH_INVALID": (21, _("The merchant city is longer than 15 characters.")),
    "CRC_TAG_REQUIRED": (24, _("The string must end with the CRC field: 6304 and four hexadecimal digits.")),
    "PAYLOAD_FORMAT_INDICATOR_TAG_REQUIRED": (23, _("The payload format indicator (tag 00) is missing.")),
    "MERCHANT_CATEGORY_TAG_REQUIRED": (25, _("The merchant category code (tag 52) is missing.")),
    "COUNTRY_CODE_TAG_REQUIRED": (26, _("The country code (tag 58) is missing.")),
    "MERCHANT_CITY_TAG_REQUIRED": (27, _("The merchant city (tag 60) is missing.")),
    "UNSUPPORTED_CURRENCY": (28, _("Currency %(currency)s is not supported: use 116 (KHR) or 840 (USD).")),
    "MERCHANT_ID_REQUIRED": (30, _("The merchant ID is required for a merchant KHQR.")),
    "ACQUIRING_BANK_REQUIRED": (31, _("The acquiring bank must not be empty.")),
    "MERCHANT_ID_LENGTH_INVALID": (32, _("The merchant ID is longer than 32 characters.")),
    "ACQUIRING_BANK_LENGTH_INVALID": (33, _("The acquiring bank is longer than 32 characters.")),
    "MOBILE_NUMBER_LENGTH_INVALID": (34, _("The mobile number must be 1 to 25 characters.")),
    "ACCOUNT_INFORMATION_LENGTH_INVALID": (35, _("The account information is longer than 32 characters.")),
    "TAG_NOT_IN_ORDER": (36, _("Tag %(tag)s must be the first field.")),
    "LANGUAGE_PREFERENCE_REQUIRED": (
        37,
        _("A language preference is required with an alternate-language name."),
    ),
    "LANGUAGE_PREFERENCE_LENGTH_INVALID": (38, _("The language preference must be 1 or 2 characters.")),
    "MERCHANT_NAME_ALTERNATE_LANGUAGE_REQUIRED": (
        39,
        _("A merchant name in the alternate language is required with a language preference."),
    ),
    "MERCHANT_NAME_ALTERNATE_LANGUAGE_LENGTH_INVALID": (
        40,
        _("The alternate-language merchant name must be 1 to 25 characters."),
    ),
    "MERCHANT_CITY_ALTERNATE_LANGUAGE_LENGTH_INVALID": (
        41,
        _("The alternate-language merchant city must be 1 to 15 characters."),
    ),
    "PURPOSE_OF_TRANSACTION_LENGTH_INVALID": (
        42,
        _("The purpose of transaction must be 1 to 25 characters."),
    ),
    "UPI_ACCOUNT_INFORMATION_LENGTH_INVALID": (
        43,
        _("The UnionPay merchant account is longer than 99 characters."),
    ),
    "UPI_ACCOUNT_INFORMATION_INVALID_CURRENCY": (
        44,
        _("A UnionPay merchant account is allowed only in KHR."),
    ),
    "EXPIRATION_TIMESTAMP_REQUIRED": (
        45,
        _("A dynamic KHQR (with an amount) needs an expiration timestamp."),
    ),
    "KHQR_EXPIRED": (46, _("This dynamic KHQR expired at %(expiration)s (milliseconds since 1970).")),
    "INVALID_DYNAMIC_KHQR": (47, _("A dynamic KHQR (point of initiation 12) must carry an amount.")),
    "POINT_OF_INITIATION_METHOD_INVALID": (48, _("The point of initiation method must be 11 or 12.")),
    "EXPIRATION_TIMESTAMP_LENGTH_INVALID": (
        49,
        _("The expiration timestamp must be 13 digits (milliseconds)."),
    ),
    "EXPIRATION_TIMESTAMP_IN_THE_PAST": (50, _("The expiration timestamp is before the creation timestamp.")),
    "INVALID_MERCHANT_CATEGORY_CODE": (
        51,
        _("The merchant category code must be a number from 0000 to 9999."),
    ),
    # Ours: precise reasons where the SDK is silent or generic.
    "CRC_INVALID": (None, _("The CRC is %(found)s but the content gives %(expected)s.")),
    "CRC_NOT_LAST": (None, _("The CRC field is not the last data object: a length before it is wrong.")),
    "TLV_INCOMPLETE": (None, _("The field at position %(position)s is cut short: %(rest)r.%(hint)s")),
    "TLV_TAG_INVALID": (None, _("The tag %(tag)r at position %(position)s is not two digits.%(hint)s")),
    "TLV_LENGTH_NOT_NUMERIC": (
        None,
        _("Tag %(tag)s at position %(position)s has the length %(length)r, which is not two digits.%(hint)s"),
    ),
    "TLV_LENGTH_OVERRUN": (
        None,
        _(
            "Tag %(tag)s at position %(position)s declares %(declared)s characters but only "
            "%(available)s remain."
        ),
    ),
    "TLV_SPLITS_CHARACTER": (None, _("The length of tag %(tag)s cuts a character in two.")),
    "TAG_DUPLICATED": (None, _("Tag %(tag)s appears more than once.")),
    "MERCHANT_TYPE_AMBIGUOUS": (
        None,
        _("A KHQR carries either tag 29 (individual) or tag 30 (merchant), not both."),
    ),
    "PAYLOAD_FORMAT_INDICATOR_INVALID": (None, _("The payload format indicator must be 01, not %(value)r.")),
    "TIMESTAMP_INVALID": (None, _("%(which)s must be digits (milliseconds), not %(value)r.")),
    "VALUE_TOO_LONG": (
        None,
        _("Tag %(tag)s would hold %(length)s characters; a KHQR field holds at most 99."),
    ),
    "INVALID_ARGUMENT": (None, _("Invalid argument: %(detail)s")),
}


# Added to a structure error found right after another field: its declared length is the likely culprit.
PREVIOUS_LENGTH_HINT = _(" The length of tag %(tag)s before it is probably wrong.")


# The timestamp a TIMESTAMP_INVALID error names, as a phrase of its own (a translation cannot splice an
# English word into its sentence).
TIMESTAMP_NAMES = {"creation": _("The creation timestamp"), "expiration": _("The expiration timestamp")}


class KHQRError(ValueError):
    """A refused KHQR string or encoder argument. `name` is stable; `code` is the SDK's number, if any."""

    def __init__(self, name: str, **params: object) -> None:
        self.name = name
        self.code, template = ERRORS[name]
        self.params = params
        shown = dict(params)
        if "which" in shown:
            shown["which"] = TIMESTAMP_NAMES.get(str(shown["which"]), shown["which"])
        self.message = str(template) % shown if shown else str(template)
        super().__init__(f"{name}: {self.message}")
