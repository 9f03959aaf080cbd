"""Anchoring the audit chain outside the database (issue 9).

The hash chain shows a row changed behind the application's back, but someone who can write the table can
also re-hash everything after the row they edited, delete the newest rows or TRUNCATE the table, and the chain
still verifies. So at intervals (a beat task, after sealing) the chain head — position and hash — is written
to an append-only file outside the database, signed with HMAC-SHA256 under a key the database never holds
(`ESB_AUDIT_ANCHOR_KEY`). `verify_audit_chain` then checks every anchor against the table: the anchored
position must still exist with the anchored hash. Each anchor also carries the previous anchor's signature,
so an anchor removed from the middle of the file is noticed too.

Keep the directory (`ESB_AUDIT_ANCHOR_DIR`) on storage the database's administrators cannot write, and copy
it off the host (object storage with retention, a log shipper) — see docs/operations.md.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from esb.audit import chain_head
from esb.models import AuditEvent

ANCHOR_FILE = "audit-anchors.jsonl"
# Development and test only (the settings' default): production refuses to start with it, and to anchor or
# verify with it.
_DEV_KEY = "esb-development-audit-anchor-key-not-for-production"
_MIN_KEY_LENGTH = 32


def anchor_key() -> bytes:
    key = getattr(settings, "ESB_AUDIT_ANCHOR_KEY", None) or os.environ.get("ESB_AUDIT_ANCHOR_KEY", "")
    weak = not key or key == _DEV_KEY or len(key) < _MIN_KEY_LENGTH
    if weak and getattr(settings, "IS_PRODUCTION", False):
        raise ImproperlyConfigured(
            f"ESB_AUDIT_ANCHOR_KEY must be set to a secret of at least {_MIN_KEY_LENGTH} characters "
            "when ESB_ENV=production"
        )
    return (key or _DEV_KEY).encode("utf-8")


def anchor_dir() -> Path:
    configured = getattr(settings, "ESB_AUDIT_ANCHOR_DIR", None) or os.environ.get("ESB_AUDIT_ANCHOR_DIR")
    if configured:
        return Path(configured)
    name = "test-audit-anchors" if getattr(settings, "ESB_ENV", "") == "test" else "audit-anchors"
    return Path(settings.BASE_DIR) / ".data" / name


def anchor_path() -> Path:
    return anchor_dir() / ANCHOR_FILE


@dataclass(frozen=True)
class Anchor:
    position: int
    hash: str
    at: str
    prev_signature: str
    signature: str

    def payload(self) -> bytes:
        return json.dumps(
            {"position": self.position, "hash": self.hash, "at": self.at, "prev": self.prev_signature},
            sort_keys=True,
        ).encode("utf-8")


def _sign(anchor: Anchor, key: bytes) -> str:
    return hmac.new(key, anchor.payload(), hashlib.sha256).hexdigest()


def read_anchors(path: Path | None = None) -> tuple[list[Anchor], list[str]]:
    """Every anchor in the file, and a problem for each line that is not one."""
    path = path or anchor_path()
    anchors: list[Anchor] = []
    problems: list[str] = []
    if not path.exists():
        return anchors, problems
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                anchors.append(
                    Anchor(
                        position=int(data["position"]),
                        hash=str(data["hash"]),
                        at=str(data["at"]),
                        prev_signature=str(data["prev"]),
                        signature=str(data["signature"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                problems.append(f"anchor file line {number} is not an anchor (the file was edited)")
    return anchors, problems


def write_anchor(now: datetime.datetime | None = None) -> Anchor | None:
    """Append a signed anchor for the current sealed chain head; None when the chain is empty or the head is
    already anchored. Callers seal first (`esb.tasks.anchor_audit_chain` does)."""
    key = anchor_key()
    position, head_hash = chain_head()
    if position == 0:
        return None
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        # Two writers (beat running twice, an operator by hand) append one after the other, never interleaved.
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        lines = [line for line in handle.read().splitlines() if line.strip()]
        previous = json.loads(lines[-1]) if lines else None
        if previous is not None and int(previous["position"]) == position:
            return None
        at = (now or timezone.now()).astimezone(datetime.UTC).isoformat(timespec="seconds")
        unsigned = Anchor(position, head_hash, at, previous["signature"] if previous else "", "")
        anchor = Anchor(position, head_hash, at, unsigned.prev_signature, _sign(unsigned, key))
        record = {
            "position": anchor.position,
            "hash": anchor.hash,
            "at": anchor.at,
            "prev": anchor.prev_signature,
            "signature": anchor.signature,
        }
        handle.seek(0, os.SEEK_END)
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return anchor


def verify_anchors(path: Path | None = None) -> Iterator[str]:
    """Check every anchor against the table and yield each problem found (in words, for the operator)."""
    key = anchor_key()
    anchors, problems = read_anchors(path)
    yield from problems
    if not anchors:
        return
    if not AuditEvent.objects.exists():
        yield (
            f"the audit table is empty but {len(anchors)} anchor(s) exist "
            "(the table was emptied, e.g. TRUNCATE)"
        )
        return
    hashes = dict(
        AuditEvent.objects.filter(position__in={a.position for a in anchors}).values_list("position", "hash")
    )
    previous_signature = ""
    for number, anchor in enumerate(anchors, start=1):
        if not hmac.compare_digest(_sign(anchor, key), anchor.signature):
            yield f"anchor {number} (position {anchor.position}): signature invalid (forged or altered)"
            previous_signature = anchor.signature
            continue
        if anchor.prev_signature != previous_signature:
            yield f"anchor {number} (position {anchor.position}): does not follow the anchor before it"
        previous_signature = anchor.signature
        stored = hashes.get(anchor.position)
        if stored is None:
            yield (
                f"anchor {number}: chain position {anchor.position} (anchored {anchor.at}) is missing "
                "(rows deleted or the table emptied)"
            )
        elif stored != anchor.hash:
            yield (
                f"anchor {number}: chain position {anchor.position} no longer has the hash anchored at "
                f"{anchor.at} (the chain was rewritten)"
            )


__all__ = [
    "Anchor",
    "anchor_dir",
    "anchor_key",
    "anchor_path",
    "read_anchors",
    "verify_anchors",
    "write_anchor",
]
