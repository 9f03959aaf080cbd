"""Bakong KHQR in pure Python: encode, decode and verify exactly as NBC's JS SDK `bakong-khqr` (1.0.20).

    >>> from payments import khqr
    >>> khqr.encode_individual(bakongAccountID="jonhsmith@nbcq", merchantName="Jonh Smith").qr[:34]
    '00020101021129180014jonhsmith@nbcq'

`encode_individual` / `encode_merchant` take the SDK's `generateIndividual` / `generateMerchant` arguments
(camelCase or snake_case, or an `IndividualInfo` / `MerchantInfo`) and return `{qr, md5}`; `decode` returns
the SDK's decode fields (`encode_decoded` rebuilds a QR from them); `verify` returns a `VerifyResult`
with the reason a string is refused. Every refusal is a `KHQRError` with a stable name and, where the SDK
has one, its numeric error code.
"""

from payments.khqr.decoder import DECODE_FIELDS, VerifyResult, decode, verify
from payments.khqr.encoder import (
    SDK_ARGUMENTS,
    EncodedKHQR,
    IndividualInfo,
    MerchantInfo,
    encode_decoded,
    encode_individual,
    encode_merchant,
)
from payments.khqr.errors import ERRORS, KHQRError
from payments.khqr.tlv import DataObject, crc16, md5, parse, serialize

__all__ = [
    "DECODE_FIELDS",
    "ERRORS",
    "SDK_ARGUMENTS",
    "DataObject",
    "EncodedKHQR",
    "IndividualInfo",
    "KHQRError",
    "MerchantInfo",
    "VerifyResult",
    "crc16",
    "decode",
    "encode_decoded",
    "encode_individual",
    "encode_merchant",
    "md5",
    "parse",
    "serialize",
    "verify",
]
