"""The KHQR codec against the golden vectors, the official SDK's own test outputs, and corrupted strings."""

from __future__ import annotations

import binascii
import hashlib

import pytest

from payments import khqr
from payments.khqr.tlv import with_crc
from tests.payments.khqr_vectors import (
    G2,
    G3,
    G3_DECODED,
    G5,
    G5_NEGATIVE,
    G7,
    G7_CREATED,
    G7_EXPIRES,
    MD5,
    SDK_AMOUNTS,
    SDK_INDIVIDUAL,
    VALID,
)

IN_G7_WINDOW = G7_CREATED + 1000
FUTURE = 4102444800000  # 2100-01-01, 13 digits


def body(qr: str) -> str:
    """Everything before the CRC field."""
    return qr[:-8]


def refused(qr: str, error: str, *, now_ms: int = IN_G7_WINDOW) -> khqr.VerifyResult:
    result = khqr.verify(qr, now_ms=now_ms)
    assert not result.valid
    assert result.error == error, result
    assert result.reason
    return result


# -- golden vectors (spec §3.2) ------------------------------------------------------------------------


def test_crc_check_value_and_an_independent_implementation():
    assert khqr.crc16("123456789") == "29B1"
    text = "0102ចន ស្មីន😀6304"
    assert khqr.crc16(text) == f"{binascii.crc_hqx(text.encode('utf-8'), 0xFFFF):04X}"


@pytest.mark.parametrize("name", sorted(VALID))
def test_golden_vectors_verify_and_hash(name):
    qr = VALID[name]
    assert khqr.verify(qr, now_ms=IN_G7_WINDOW).valid
    assert khqr.md5(qr) == MD5[name] == hashlib.md5(qr.encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(VALID))
def test_golden_vectors_parse_and_serialize_back_byte_for_byte(name):
    qr = VALID[name]
    assert khqr.serialize(khqr.parse(qr)) == qr


@pytest.mark.parametrize("name", ["G1", "G5", "G7"])
def test_golden_vectors_re_encode_byte_identically_from_their_decoded_fields(name):
    qr = VALID[name]
    rebuilt = khqr.encode_decoded(khqr.decode(qr), now_ms=IN_G7_WINDOW)
    assert rebuilt.qr == qr
    assert rebuilt.md5 == MD5[name]


def test_g3_decodes_to_the_sdk_output():
    assert khqr.decode(G3) == G3_DECODED
    assert list(khqr.decode(G3)) == list(khqr.DECODE_FIELDS)


def test_g3_re_encodes_everything_the_sdk_can_write():
    """G3 carries a postal code (tag 61), which no SDK argument produces: the rest comes back identical."""
    without_postal_code = with_crc(khqr.serialize([o for o in khqr.parse(body(G3)) if o.tag != "61"]))
    rebuilt = khqr.encode_decoded(khqr.decode(G3))
    assert rebuilt.qr == without_postal_code
    assert khqr.verify(rebuilt.qr).valid


def test_g5_is_what_the_sdk_generates_for_its_arguments():
    result = khqr.encode_individual(
        khqr.IndividualInfo(
            bakong_account_id="jonhsmith@nbcq",
            merchant_name="Jonh Smith",
            merchant_city="Phnom Penh",
            currency=116,
            bill_number="INV-0001",
            store_label="MOC",
            terminal_label="WEB",
        )
    )
    assert result.as_dict() == {"qr": G5, "md5": MD5["G5"]}


def test_g7_decodes_its_timestamps_and_expires():
    decoded = khqr.decode(G7)
    assert decoded["creationTimestamp"] == str(G7_CREATED)
    assert decoded["expirationTimestamp"] == str(G7_EXPIRES)
    assert decoded["transactionAmount"] == "9800"
    assert decoded["pointofInitiationMethod"] == "12"
    result = refused(G7, "KHQR_EXPIRED", now_ms=G7_EXPIRES + 1)
    assert result.code == 46
    assert khqr.verify(G7, now_ms=G7_EXPIRES).valid


def test_g2_has_a_valid_crc_but_a_malformed_length():
    """Its tag 59 declares 17 characters for the 16 of "Lucy Supermarket": refused with a length error."""
    assert khqr.crc16(G2[:-4]) == "61F1"
    assert khqr.md5(G2) == MD5["G2"]
    result = refused(G2, "TLV_LENGTH_NOT_NUMERIC")
    assert "59" in result.reason
    with pytest.raises(khqr.KHQRError) as error:
        khqr.decode(G2)
    assert error.value.name == "TLV_LENGTH_NOT_NUMERIC"


def test_the_negative_vector_is_refused_for_its_crc():
    result = refused(G5_NEGATIVE, "CRC_INVALID")
    assert "657E" in result.reason
    assert "657F" in result.reason


# -- the official SDK's own test outputs ---------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "expected"), SDK_INDIVIDUAL)
def test_matches_the_sdk_generate_tests(arguments, expected):
    dynamic = "amount" in arguments
    qr = khqr.encode_individual(arguments, expirationTimestamp=FUTURE if dynamic else None).qr
    assert qr[: -46 if dynamic else -8] == expected
    assert khqr.verify(qr).valid


@pytest.mark.parametrize(("currency", "amount", "written"), SDK_AMOUNTS)
def test_amounts_are_written_as_the_sdk_writes_them(currency, amount, written):
    qr = khqr.encode_individual(
        bakongAccountID="a@bank",
        merchantName="A",
        currency=currency,
        amount=amount,
        expirationTimestamp=FUTURE,
    ).qr
    assert khqr.decode(qr)["transactionAmount"] == written


def test_merchant_qr_as_the_sdk_writes_it():
    qr = khqr.encode_merchant(
        bakongAccountID="john_smith@devb",
        merchantName="John Smith",
        merchantCity="Phnom Penh",
        merchantID="123456",
        acquiringBank="Dev Bank",
        optional={"currency": 840, "amount": 5.0, "billNumber": "Invoice#069"},
        expirationTimestamp=FUTURE,
    ).qr
    assert qr.startswith(
        "00020101021230410015john_smith@devb01061234560208Dev Bank52045999530384054015"
        "5802KH5910John Smith6010Phnom Penh62150111Invoice#0699934"
    )
    decoded = khqr.decode(qr)
    assert (decoded["merchantType"], decoded["merchantID"], decoded["accountInformation"]) == (
        "30",
        "123456",
        None,
    )


def test_static_qr_has_no_timestamp_and_zero_means_static():
    for amount in (None, 0, "0", 0.0, ""):
        qr = khqr.encode_individual(bakongAccountID="a@bank", merchantName="A", amount=amount).qr
        assert "010211" in qr
        assert khqr.decode(qr)["creationTimestamp"] is None


def test_union_pay_merchant_and_merchant_category_code():
    qr = khqr.encode_individual(
        bakongAccountID="a@bank",
        merchantName="A",
        upiMerchantAccount="0002112345678901234567890123456",
        merchantCategoryCode="5411",
    ).qr
    assert qr.startswith("000201010211" + "15310002112345678901234567890123456" + "2910")
    decoded = khqr.decode(qr)
    assert decoded["unionPayMerchant"] == "0002112345678901234567890123456"
    assert decoded["merchantCategoryCode"] == "5411"


# -- Khmer, characters outside the BMP, timestamps -----------------------------------------------------


def test_khmer_alternate_language_round_trip():
    qr = khqr.encode_merchant(
        bakong_account_id="moc@nbcq",
        merchant_name="Ministry of Commerce",
        merchant_id="MOC-001",
        acquiring_bank="National Bank",
        language_preference="km",
        merchant_name_alternate_language="ក្រសួងពាណិជ្ជកម្ម",
        merchant_city_alternate_language="ភ្នំពេញ",
    ).qr
    # lengths count characters (17 and 7), not UTF-8 bytes (51 and 21)
    assert "64380002km0117ក្រសួងពាណិជ្ជកម្ម0207ភ្នំពេញ6304" in qr
    assert qr[-4:] == f"{binascii.crc_hqx(qr[:-4].encode('utf-8'), 0xFFFF):04X}"
    decoded = khqr.decode(qr)
    assert decoded["merchantNameAlternateLanguage"] == "ក្រសួងពាណិជ្ជកម្ម"
    assert decoded["merchantCityAlternateLanguage"] == "ភ្នំពេញ"
    assert khqr.verify(qr).valid
    assert khqr.encode_decoded(decoded).qr == qr


def test_lengths_count_utf16_units_like_javascript():
    qr = khqr.encode_individual(
        bakongAccountID="a@bank",
        merchantName="Cafe 😀",
        languagePreference="en",
        merchantNameAlternateLanguage="😀",
    ).qr
    assert "5907Cafe 😀" in qr
    assert "0102😀" in qr
    assert khqr.decode(qr)["merchantName"] == "Cafe 😀"
    # a length that stops inside the emoji's surrogate pair is refused
    cut = with_crc(body(qr).replace("5907Cafe 😀", "5906Cafe 😀"))
    assert khqr.verify(cut).error in {"TLV_SPLITS_CHARACTER", "TLV_LENGTH_NOT_NUMERIC", "TLV_TAG_INVALID"}


def test_dynamic_qr_timestamps():
    created, expires = 1767225600000, 1767226200000  # ten minutes
    qr = khqr.encode_individual(
        bakongAccountID="a@bank",
        merchantName="A",
        amount=25500,
        creationTimestamp=created,
        expirationTimestamp=str(expires),
        now_ms=created,
    ).qr
    assert f"99340013{created}0113{expires}6304" in qr
    decoded = khqr.decode(qr)
    assert (decoded["creationTimestamp"], decoded["expirationTimestamp"]) == (str(created), str(expires))
    assert khqr.verify(qr, now_ms=expires).valid
    assert refused(qr, "KHQR_EXPIRED", now_ms=expires + 1).code == 46


def test_a_static_qr_with_only_a_creation_time_is_valid():
    """Some generators stamp static QRs too (tag 99 with sub-tag 00 only); the SDK accepts them."""
    qr = (
        "00020101021129190015john_smith@devb5204599953031165802KH5910John Smith6010Phnom Penh"
        "991700131727168754698630499FB"
    )
    assert khqr.verify(qr).valid
    assert khqr.decode(qr)["creationTimestamp"] == "1727168754698"


# -- encoder refusals, with the SDK's codes ------------------------------------------------------------

BASE = {"bakongAccountID": "a@bank", "merchantName": "A"}
MERCHANT = {**BASE, "merchantID": "1", "acquiringBank": "Bank"}


@pytest.mark.parametrize(
    ("kind", "arguments", "name", "code"),
    [
        ("individual", {"merchantName": "A"}, "BAKONG_ACCOUNT_ID_REQUIRED", 1),
        ("individual", {**BASE, "bakongAccountID": ""}, "BAKONG_ACCOUNT_ID_REQUIRED", 1),
        ("individual", {**BASE, "bakongAccountID": "abank"}, "BAKONG_ACCOUNT_ID_INVALID", 3),
        ("individual", {**BASE, "bakongAccountID": "a" * 30 + "@bb"}, "BAKONG_ACCOUNT_ID_LENGTH_INVALID", 6),
        ("individual", {"bakongAccountID": "a@bank"}, "MERCHANT_NAME_REQUIRED", 2),
        ("individual", {**BASE, "merchantName": "x" * 26}, "MERCHANT_NAME_LENGTH_INVALID", 7),
        ("individual", {**BASE, "merchantCity": "x" * 16}, "MERCHANT_CITY_LENGTH_INVALID", 21),
        ("individual", {**BASE, "currency": "EUR"}, "UNSUPPORTED_CURRENCY", 28),
        ("individual", {**BASE, "currency": 978}, "UNSUPPORTED_CURRENCY", 28),
        (
            "individual",
            {**BASE, "amount": -5, "expirationTimestamp": FUTURE},
            "TRANSACTION_AMOUNT_INVALID",
            4,
        ),
        (
            "individual",
            {**BASE, "amount": 1.5, "expirationTimestamp": FUTURE},
            "TRANSACTION_AMOUNT_INVALID",
            4,
        ),
        (
            "individual",
            {**BASE, "currency": 840, "amount": 1.005, "expirationTimestamp": FUTURE},
            "TRANSACTION_AMOUNT_INVALID",
            4,
        ),
        (
            "individual",
            {**BASE, "amount": "ten", "expirationTimestamp": FUTURE},
            "TRANSACTION_AMOUNT_INVALID",
            4,
        ),
        (
            "individual",
            {**BASE, "amount": 10**13, "expirationTimestamp": FUTURE},
            "TRANSACTION_AMOUNT_INVALID",
            4,
        ),
        ("individual", {**BASE, "amount": 100}, "EXPIRATION_TIMESTAMP_REQUIRED", 45),
        (
            "individual",
            {**BASE, "amount": 100, "expirationTimestamp": 1767225600},
            "EXPIRATION_TIMESTAMP_LENGTH_INVALID",
            49,
        ),
        (
            "individual",
            {**BASE, "amount": 100, "expirationTimestamp": 1000000000000},
            "EXPIRATION_TIMESTAMP_IN_THE_PAST",
            50,
        ),
        ("individual", {**BASE, "billNumber": "x" * 26}, "BILL_NUMBER_LENGTH_INVALID", 10),
        ("individual", {**BASE, "mobileNumber": "1" * 26}, "MOBILE_NUMBER_LENGTH_INVALID", 34),
        ("individual", {**BASE, "storeLabel": "x" * 26}, "STORE_LABEL_LENGTH_INVALID", 11),
        ("individual", {**BASE, "terminalLabel": "x" * 26}, "TERMINAL_LABEL_LENGTH_INVALID", 12),
        (
            "individual",
            {**BASE, "purposeOfTransaction": "x" * 26},
            "PURPOSE_OF_TRANSACTION_LENGTH_INVALID",
            42,
        ),
        ("individual", {**BASE, "accountInformation": "1" * 33}, "ACCOUNT_INFORMATION_LENGTH_INVALID", 35),
        ("individual", {**BASE, "acquiringBank": "x" * 33}, "ACQUIRING_BANK_LENGTH_INVALID", 33),
        ("individual", {**BASE, "languagePreference": "km"}, "MERCHANT_NAME_ALTERNATE_LANGUAGE_REQUIRED", 39),
        ("individual", {**BASE, "merchantNameAlternateLanguage": "ក"}, "LANGUAGE_PREFERENCE_REQUIRED", 37),
        (
            "individual",
            {**BASE, "languagePreference": "khm", "merchantNameAlternateLanguage": "ក"},
            "LANGUAGE_PREFERENCE_LENGTH_INVALID",
            38,
        ),
        ("individual", {**BASE, "merchantCategoryCode": "59999"}, "MERCHANT_CODE_LENGTH_INVALID", 18),
        ("individual", {**BASE, "merchantCategoryCode": "59a9"}, "INVALID_MERCHANT_CATEGORY_CODE", 51),
        (
            "individual",
            {**BASE, "upiMerchantAccount": "1" * 100},
            "UPI_ACCOUNT_INFORMATION_LENGTH_INVALID",
            43,
        ),
        (
            "individual",
            {**BASE, "upiMerchantAccount": "123", "currency": 840},
            "UPI_ACCOUNT_INFORMATION_INVALID_CURRENCY",
            44,
        ),
        ("merchant", {**BASE, "acquiringBank": "Bank"}, "MERCHANT_ID_REQUIRED", 30),
        ("merchant", {**BASE, "merchantID": "1"}, "ACQUIRING_BANK_REQUIRED", 31),
        ("merchant", {**MERCHANT, "merchantID": "1" * 33}, "MERCHANT_ID_LENGTH_INVALID", 32),
        ("individual", {**BASE, "colour": "red"}, "INVALID_ARGUMENT", None),
        ("individual", {**BASE, "merchantName": {"en": "A"}}, "INVALID_ARGUMENT", None),
        (
            "individual",
            {
                **BASE,
                **{
                    k: "x" * 25 for k in ("billNumber", "storeLabel", "terminalLabel", "purposeOfTransaction")
                },
            },
            "VALUE_TOO_LONG",
            None,
        ),
    ],
)
def test_encoder_refuses_bad_arguments_with_the_sdk_error(kind, arguments, name, code):
    encode = khqr.encode_merchant if kind == "merchant" else khqr.encode_individual
    with pytest.raises(khqr.KHQRError) as error:
        encode(arguments, now_ms=1767225600000)
    assert (error.value.name, error.value.code) == (name, code)
    assert error.value.message


def test_encoder_refuses_an_expiration_already_past():
    # As in the SDK, the creation time is now, so a past expiration is first "before the creation" (50) ...
    with pytest.raises(khqr.KHQRError) as error:
        khqr.encode_individual(**BASE, amount=100, expirationTimestamp=G7_EXPIRES)
    assert error.value.code == 50
    # ... and "expired" (46) when an explicit creation time makes the window lie in the past.
    with pytest.raises(khqr.KHQRError) as error:
        khqr.encode_individual(
            **BASE, amount=100, creationTimestamp=G7_CREATED, expirationTimestamp=G7_EXPIRES
        )
    assert error.value.code == 46


def test_an_info_object_can_be_completed_with_arguments_in_either_spelling():
    info = khqr.IndividualInfo(bakong_account_id="jonhsmith@nbcq", merchant_name="Jonh Smith")
    completed = khqr.encode_individual(
        info, billNumber="INV-0001", store_label="MOC", optional={"terminalLabel": "WEB", "currency": "KHR"}
    )
    assert completed.qr == G5
    with pytest.raises(khqr.KHQRError) as error:
        khqr.encode_merchant(info)  # an IndividualInfo is not a MerchantInfo
    assert error.value.name == "INVALID_ARGUMENT"
