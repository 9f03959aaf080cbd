"""`verify` refuses corrupted and malformed strings, each with its own reason (CRC recomputed where the
corruption is structural, so the structure check itself is what refuses)."""

from __future__ import annotations

import pytest

from payments import khqr
from payments.khqr.tlv import with_crc
from tests.payments.khqr_vectors import G3, G5, G7, G7_CREATED

NOW = G7_CREATED + 1000
G5_BODY = G5[:-8]
G7_BODY = G7[:-8]


def reason(qr: str) -> khqr.VerifyResult:
    result = khqr.verify(qr, now_ms=NOW)
    assert not result.valid
    assert result.reason, result
    assert not result
    return result


def without(qr_body: str, tag: str) -> str:
    return with_crc(khqr.serialize([obj for obj in khqr.parse(qr_body) if obj.tag != tag]))


def replaced(qr_body: str, tag: str, value: str) -> str:
    return with_crc(
        khqr.serialize([(o.tag, value if o.tag == tag else o.value) for o in khqr.parse(qr_body)])
    )


@pytest.mark.parametrize(
    ("qr", "error"),
    [
        ("", "KHQR_INVALID"),
        ("63041234", "KHQR_INVALID"),
        ("kháºŸ 0002016304", "CRC_TAG_REQUIRED"),
        (G5[:-4], "CRC_TAG_REQUIRED"),
        (G5 + " ", "CRC_TAG_REQUIRED"),
        (G5[:-1], "CRC_TAG_REQUIRED"),
        (G5[:-4] + "657G", "CRC_TAG_REQUIRED"),
        (G5[:-4] + "0000", "CRC_INVALID"),
        # a changed character anywhere breaks the CRC
        (G5.replace("Jonh", "John"), "CRC_INVALID"),
        (G5.replace("5910", "5911"), "CRC_INVALID"),
    ],
)
def test_form_and_crc(qr, error):
    assert reason(qr).error == error


def test_a_lowercase_crc_is_accepted_like_the_sdk_does():
    assert khqr.verify(G5[:-4] + G5[-4:].lower()).valid


@pytest.mark.parametrize(
    ("qr", "error", "mentions"),
    [
        # overlong: tag 59 declares one character more than its value has
        (with_crc(G5_BODY.replace("5910Jonh Smith", "5911Jonh Smith")), "TLV_LENGTH_NOT_NUMERIC", "59"),
        # too short: tag 59 declares one character less
        (with_crc(G5_BODY.replace("5910Jonh Smith", "5909Jonh Smith")), "TLV_TAG_INVALID", "tag 59"),
        # a length that is not two digits
        (with_crc(G5_BODY.replace("5910Jonh Smith", "59A0Jonh Smith")), "TLV_LENGTH_NOT_NUMERIC", "A0"),
        # a tag that is not two digits
        (with_crc(G5_BODY.replace("5802KH", "X802KH")), "TLV_TAG_INVALID", "X8"),
        # a length running past the end of the string
        (with_crc(G5_BODY + "6250AB"), "TLV_LENGTH_OVERRUN", "50"),
        # a field cut short at the end of a template
        (replaced(G5_BODY, "62", "0108INV-0001030"), "TLV_INCOMPLETE", "'030'"),
        # a malformed template: the additional data's bill number runs past its template
        (with_crc(G5_BODY.replace("0108INV-0001", "0109INV-0001")), "TLV_LENGTH_NOT_NUMERIC", "tag 01"),
        # the last field swallows the CRC field, so the CRC is not the last data object
        (with_crc(G5_BODY + "9908"), "CRC_NOT_LAST", ""),
    ],
)
def test_truncated_and_overlong_lengths(qr, error, mentions):
    result = reason(qr)
    assert result.error == error
    assert mentions in result.reason


@pytest.mark.parametrize(
    ("tag", "error", "code"),
    [
        ("00", "PAYLOAD_FORMAT_INDICATOR_TAG_REQUIRED", 23),
        ("29", "MERCHANT_TYPE_REQUIRED", 5),
        ("52", "MERCHANT_CATEGORY_TAG_REQUIRED", 25),
        ("53", "CURRENCY_TYPE_REQUIRED", 9),
        ("58", "COUNTRY_CODE_TAG_REQUIRED", 26),
        ("59", "MERCHANT_NAME_REQUIRED", 2),
        ("60", "MERCHANT_CITY_TAG_REQUIRED", 27),
    ],
)
def test_missing_mandatory_tags(tag, error, code):
    result = reason(without(G5_BODY, tag))
    assert (result.error, result.code) == (error, code)


def test_order_and_duplicates():
    objects = khqr.parse(G5_BODY)
    assert (
        reason(with_crc(khqr.serialize([objects[1], objects[0], *objects[2:]]))).error == "TAG_NOT_IN_ORDER"
    )
    assert reason(with_crc(G5_BODY + "5802KH")).error == "TAG_DUPLICATED"
    assert reason(with_crc(G5_BODY.replace("0303MOC", "0303MOC0303POS").replace("6226", "6233"))).error == (
        "TAG_DUPLICATED"
    )
    both = with_crc(G5_BODY.replace("5204", "30170013merchant@nbcq5204"))
    assert reason(both).error == "MERCHANT_TYPE_AMBIGUOUS"


@pytest.mark.parametrize(
    ("tag", "value", "error"),
    [
        ("00", "02", "PAYLOAD_FORMAT_INDICATOR_INVALID"),
        ("00", "010", "PAYLOAD_FORMAT_INDICATOR_LENGTH_INVALID"),
        ("01", "13", "POINT_OF_INITIATION_METHOD_INVALID"),
        ("01", "123", "POINT_INITIATION_LENGTH_INVALID"),
        ("29", "0014jonhsmith_nbcq", "BAKONG_ACCOUNT_ID_INVALID"),
        ("29", "0133jonhsmith@nbcqxxxxxxxxxxxxxxxxxxx", "BAKONG_ACCOUNT_ID_REQUIRED"),
        ("29", "0033" + "j" * 29 + "@nbc", "BAKONG_ACCOUNT_ID_LENGTH_INVALID"),
        ("52", "59a9", "INVALID_MERCHANT_CATEGORY_CODE"),
        ("53", "978", "UNSUPPORTED_CURRENCY"),
        ("53", "1160", "TRANSACTION_CURRENCY_LENGTH_INVALID"),
        ("58", "KHM", "COUNTRY_CODE_LENGTH_INVALID"),
        ("59", "J" * 26, "MERCHANT_NAME_LENGTH_INVALID"),
        ("60", "P" * 16, "MERCHANT_CITY_LENGTH_INVALID"),
        ("62", "0100", "BILL_NUMBER_LENGTH_INVALID"),
        ("62", "0700", "TERMINAL_LABEL_LENGTH_INVALID"),
    ],
)
def test_bad_values(tag, value, error):
    assert reason(replaced(G5_BODY, tag, value)).error == error


def test_dynamic_rules():
    assert reason(without(G7_BODY, "54")).error == "INVALID_DYNAMIC_KHQR"
    assert reason(without(G7_BODY, "99")).error == "EXPIRATION_TIMESTAMP_REQUIRED"
    static_with_amount = replaced(without(G7_BODY, "99")[:-8], "01", "11")
    assert reason(static_with_amount).error == "EXPIRATION_TIMESTAMP_REQUIRED"
    assert reason(replaced(G7_BODY, "99", "00131773894603019")).error == "EXPIRATION_TIMESTAMP_REQUIRED"
    assert reason(replaced(G7_BODY, "99", "001317738946030190112177389477581")).error == (
        "EXPIRATION_TIMESTAMP_LENGTH_INVALID"
    )
    assert reason(replaced(G7_BODY, "99", "00131773894603019011317738946030")).error == "TLV_LENGTH_OVERRUN"
    past = replaced(G7_BODY, "99", "0013177389460301901131773894603018")
    assert reason(past).error == "EXPIRATION_TIMESTAMP_IN_THE_PAST"
    assert reason(replaced(G7_BODY, "99", "0013177389460301901131773894x75819")).error == "TIMESTAMP_INVALID"
    assert reason(replaced(G7_BODY, "54", "-9800")).error == "TRANSACTION_AMOUNT_INVALID"
    assert reason(replaced(G7_BODY, "54", "98,00")).error == "TRANSACTION_AMOUNT_INVALID"


def test_stricter_than_the_sdk_where_emvco_is():
    """The SDK accepts tags in any order (its order check is commented out); EMVCo puts 00 first."""
    reversed_order = with_crc(khqr.serialize(list(reversed(khqr.parse(G3[:-8])))))
    assert reason(reversed_order).error == "TAG_NOT_IN_ORDER"


def test_not_a_string_and_broken_characters():
    assert khqr.verify(None).error == "KHQR_INVALID"  # type: ignore[arg-type]
    assert khqr.verify(G5_BODY + "\ud800" + "63041234").error == "KHQR_INVALID"
    with pytest.raises(khqr.KHQRError):
        khqr.decode(12345)  # type: ignore[arg-type]
