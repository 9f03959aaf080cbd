"""X-Road identifiers of CamDX (dpi-protocols.md §1.1–1.3, PR-REST 1.0.3 §4.8).

    ClientId.parse("CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL")          # who calls (X-Road-Client)
    ServiceId.parse("CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info")   # what is called (/r1/…)

On the wire each segment is percent-encoded on its own and the `/` separators never are; `parse` decodes
each segment, `str()` / `.encoded` encodes it again. Underscores are allowed (CamDX runs its security
servers with `strict-identifier-checks = false`, and its subsystem codes use them). The instance must be
`CAMBODIA` and the member class one of the configured classes (`CAMDX["MEMBER_CLASSES"]`, GOV and COM by
default): a typo in a configured service id fails at start-up, not at the first call.

It lives in `esb` (pure Python, no Django) because the start-up checks of the settings parse the configured
ids, and both directions of CamDX use it: `camdx_client` (re-exported as `camdx_client.identifiers`) and the
incoming API reading `X-Road-Client`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

INSTANCE = "CAMBODIA"
DEFAULT_MEMBER_CLASSES: tuple[str, ...] = ("GOV", "COM")
# A decoded segment: no separator, no control character, no percent sign left after decoding, and not
# longer than X-Road's 255. Anything else printable (underscores, dots, dashes, parentheses…) is accepted.
_SEGMENT = re.compile(r"[^/\\%\x00-\x1f\x7f;:]{1,255}")


class InvalidIdentifier(ValueError):
    """A malformed X-Road client or service identifier; the message names the part that is wrong."""


def _split(text: str, kind: str, sizes: tuple[int, ...]) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        raise InvalidIdentifier(f"an X-Road {kind} id is required")
    parts = text.strip().split("/")
    if len(parts) not in sizes:
        wanted = " or ".join(str(size) for size in sizes)
        raise InvalidIdentifier(f"an X-Road {kind} id has {wanted} parts separated by '/', not {len(parts)}")
    decoded = []
    for position, part in enumerate(parts, start=1):
        value = unquote(part, errors="strict") if "%" in part else part
        if not _SEGMENT.fullmatch(value) or value != value.strip():
            raise InvalidIdentifier(f"part {position} of the X-Road {kind} id is empty or not allowed")
        decoded.append(value)
    return decoded


def _check_member(instance: str, member_class: str, member_classes: tuple[str, ...], kind: str) -> None:
    if instance != INSTANCE:
        raise InvalidIdentifier(f"the X-Road {kind} id must be in instance {INSTANCE}")
    if member_class not in member_classes:
        raise InvalidIdentifier(
            f"the X-Road {kind} id's member class must be one of {', '.join(member_classes)}"
        )


def encode_segment(value: str) -> str:
    """One identifier segment as it travels in a path or header (unreserved characters kept)."""
    return quote(value, safe="")


@dataclass(frozen=True)
class ClientId:
    """`INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`: a member or one of its subsystems."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str = ""

    @classmethod
    def parse(cls, text: str, *, member_classes: tuple[str, ...] = DEFAULT_MEMBER_CLASSES) -> ClientId:
        parts = _split(text, "client", (3, 4))
        _check_member(parts[0], parts[1], tuple(member_classes), "client")
        return cls(*parts)

    @property
    def segments(self) -> tuple[str, ...]:
        base = (self.instance, self.member_class, self.member_code)
        return (*base, self.subsystem_code) if self.subsystem_code else base

    @property
    def encoded(self) -> str:
        return "/".join(encode_segment(segment) for segment in self.segments)

    def __str__(self) -> str:
        return self.encoded


@dataclass(frozen=True)
class ServiceId:
    """`INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE`. The security server needs all five parts
    (dpi-protocols.md §1.2), so the subsystem is not optional here."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str
    service_code: str

    @classmethod
    def parse(cls, text: str, *, member_classes: tuple[str, ...] = DEFAULT_MEMBER_CLASSES) -> ServiceId:
        parts = _split(text, "service", (5,))
        _check_member(parts[0], parts[1], tuple(member_classes), "service")
        return cls(*parts)

    @property
    def provider(self) -> ClientId:
        """The subsystem that provides the service."""
        return ClientId(self.instance, self.member_class, self.member_code, self.subsystem_code)

    @property
    def segments(self) -> tuple[str, ...]:
        return (self.instance, self.member_class, self.member_code, self.subsystem_code, self.service_code)

    @property
    def encoded(self) -> str:
        return "/".join(encode_segment(segment) for segment in self.segments)

    def __str__(self) -> str:
        return self.encoded
