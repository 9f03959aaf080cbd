"""Phone numbers in E.164 (+85512345678): what the SMS channel sends to and what is stored (encrypted)."""

from __future__ import annotations

import re

from esb.crypto import KHMER_DIGITS
from notifications.channels import InvalidDestination

CAMBODIA = "855"
_SEPARATORS = re.compile(r"[\s\-.()/]")


def to_e164(value: str, default_country: str = CAMBODIA) -> str:
    """`value` as +<country><number>. A national Cambodian number (0XX XXX XXX) gets +855 and loses its
    trunk 0; `00` is read as `+`. InvalidDestination when it is not a plausible phone number."""
    text = _SEPARATORS.sub("", str(value).translate(KHMER_DIGITS).strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        if not text.isdigit():
            raise InvalidDestination("a phone number has only digits, spaces and an optional +")
        if text.startswith("0"):
            text = text[1:]
        elif text.startswith(default_country) and len(text) > 10:
            text = text[len(default_country) :]
        text = f"+{default_country}{text}"
    digits = text[1:]
    if not digits.isdigit() or not 8 <= len(digits) <= 15 or digits.startswith("0"):
        raise InvalidDestination("not a phone number in international form")
    if digits.startswith(CAMBODIA):
        national = digits[len(CAMBODIA) :]
        # Cambodian numbers: 8 or 9 digits after the trunk 0 (mobile 1x, 6x-9x; fixed lines by province).
        if not 8 <= len(national) <= 9 or national.startswith("0"):
            raise InvalidDestination("not a Cambodian phone number")
    return f"+{digits}"


def mask(e164: str) -> str:
    """+855 •• ••• 678: the country code and the last three digits."""
    if e164.startswith("+" + CAMBODIA):
        return f"+{CAMBODIA} ••• ••• {e164[-3:]}"
    return f"{e164[:3]} ••• {e164[-3:]}"
