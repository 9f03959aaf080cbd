"""One parser for the ids that arrive in requests (form fields, query strings, admin object ids).

`str.isdigit()` is True for "²", "٣" or "１" and `int()` then fails or reads another script's digits, so
every door that turns request text into a primary key goes through `parse_id`: ASCII digits only, no sign,
no spaces, a positive number that fits a PostgreSQL bigint. Anything else is "no such id" (None), which the
callers turn into a 404, a 400 or an ignored value — never a 500.
"""

from __future__ import annotations

from collections.abc import Iterable

BIGINT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(BIGINT_MAX))


class InvalidId(ValueError):
    """Raised by `require_id` for text that is not a valid id."""


def parse_id(value: object) -> int | None:
    """The positive integer `value` spells in ASCII digits (an int is accepted as is), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= BIGINT_MAX else None
    if not isinstance(value, str) or not value or len(value) > _MAX_DIGITS:
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= BIGINT_MAX else None


def require_id(value: object) -> int:
    """`parse_id`, raising InvalidId instead of answering None."""
    number = parse_id(value)
    if number is None:
        raise InvalidId(f"not an id: {str(value)[:40]!r}")
    return number


def parse_ids(values: Iterable[object]) -> list[int]:
    """The valid ids among `values`, in order, without repeats (invalid ones are dropped)."""
    seen: dict[int, None] = {}
    for value in values:
        number = parse_id(value)
        if number is not None:
            seen.setdefault(number, None)
    return list(seen)
