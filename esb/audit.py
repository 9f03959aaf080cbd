"""Writing, sealing and verifying the audit trail.

`record()` appends one event inside the caller's transaction: one INSERT, no lock, no read, so audited
transactions never wait for each other. The chain is built afterwards by `seal()` (a beat task every few
seconds, and the start of `verify_audit_chain`): one sealer at a time (an advisory lock taken only there)
chains the rows whose inserting transaction is older than every transaction still running, in (txid, id)
order. No open transaction can then add a row that belongs before a sealed one, so the order is final.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from esb import request_context
from esb.models import AuditEvent

GENESIS_HASH = "0" * 64
# ("ESBA", "SEAL"): taken only by the sealer; the append-only trigger (migration esb 0004) lets a row's chain
# columns be filled only by a session holding it.
SEALER_LOCK = (0x45534241, 0x5345414C)
SEAL_BATCH = 1000
_HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "on_behalf_of",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
    "request_id",
    "xroad_client",
    "xroad_id",
    "ip_address",
)


def _canonical(value: Any) -> Any:
    """JSON-round-trip a value the way the JSONField stores it, so hashing before and after saving agrees."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    content = {name: getattr(event, name) for name in _HASHED_FIELDS}
    content["occurred_at"] = event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    content["before"] = _canonical(event.before)
    content["after"] = _canonical(event.after)
    payload = json.dumps({"prev": prev_hash, "event": content}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def snapshot(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict:
    """A JSON-safe picture of a model instance for before/after. Encrypted and hash fields are masked."""
    from django.db.models.fields.files import FieldFile

    from esb.fields import EncryptedTextField, LookupHashField

    masked = {
        f.name for f in instance._meta.concrete_fields if isinstance(f, EncryptedTextField | LookupHashField)
    }
    data = model_to_dict(instance, exclude=list(exclude))
    for field in instance._meta.concrete_fields:
        if field.name in data and field.name not in masked:
            continue
        if field.name in masked:
            data[field.name] = "***" if getattr(instance, field.attname) else ""
    for key, value in list(data.items()):
        if hasattr(value, "pk"):
            data[key] = value.pk
        elif isinstance(value, list | tuple) and value and hasattr(value[0], "pk"):
            data[key] = sorted(v.pk for v in value)
        elif isinstance(value, FieldFile):  # stored name only (an empty file has no URL to ask for)
            data[key] = value.name or ""
    return _canonical(data)


def changed_fields(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys whose values differ (both sides), for compact update events."""
    if not before or not after:
        return before, after
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    actor_id: int | None = None,
    actor_label: str | None = None,
    on_behalf_of: str | None = None,
) -> AuditEvent:
    """Append an audit event in the current transaction (it opens one if none is open)."""
    ctx = request_context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk or "")
        object_repr = object_repr or str(obj)[:255]
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=ctx.actor_id if actor_id is None else actor_id,
        actor_label=(ctx.actor_label if actor_label is None else actor_label)[:255],
        on_behalf_of=(ctx.on_behalf_of if on_behalf_of is None else on_behalf_of)[:255],
        action=action[:64],
        object_type=object_type[:100],
        object_id=object_id[:64],
        object_repr=object_repr[:255],
        before=_canonical(before) if before is not None else None,
        after=_canonical(after) if after is not None else None,
        reason=reason,
        request_id=ctx.request_id if ctx.request_id != "-" else "",
        xroad_client=ctx.xroad_client,
        xroad_id=ctx.xroad_id,
        ip_address=ctx.ip,
    )
    event.save(force_insert=True)
    return event


def chain_head() -> tuple[int, str]:
    """(position, hash) of the last sealed event; (0, GENESIS_HASH) for an empty chain."""
    head = (
        AuditEvent.objects.filter(position__isnull=False)
        .order_by("-position")
        .values_list("position", "hash")
        .first()
    )
    return head or (0, GENESIS_HASH)


def seal(batch_size: int = SEAL_BATCH) -> int:
    """Chain every row whose inserting transaction has ended; returns how many were sealed.

    Returns 0 at once if another sealer is running (it will seal them). Safe to call from anywhere, any time.
    """
    sealed = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(SEALER_LOCK))
                if not cursor.fetchone()[0]:
                    return sealed
            position, prev_hash = chain_head()
            # One statement: the rows it sees and the oldest running transaction come from the same snapshot.
            # A transaction older than that xmin has ended, so every row it will ever write is visible now.
            rows = list(
                AuditEvent.objects.raw(
                    "SELECT * FROM esb_auditevent WHERE hash IS NULL "
                    "AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                    "ORDER BY txid, id LIMIT %s",
                    [batch_size],
                )
            )
            if not rows:
                return sealed
            ids, positions, prevs, hashes = [], [], [], []
            for event in rows:
                position += 1
                event_hash = compute_hash(event, prev_hash)
                ids.append(event.pk)
                positions.append(position)
                prevs.append(prev_hash)
                hashes.append(event_hash)
                prev_hash = event_hash
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE esb_auditevent AS a "
                    "SET position = v.position, prev_hash = v.prev_hash, hash = v.hash "
                    "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
                    "AS v(id, position, prev_hash, hash) WHERE a.id = v.id",
                    [ids, positions, prevs, hashes],
                )
            sealed += len(rows)
        if len(rows) < batch_size:
            return sealed


def unsealed_older_than(age: datetime.timedelta) -> tuple[int, datetime.datetime | None]:
    """How many rows are still unsealed after `age`, and the oldest one's time: a stuck sealer, or a
    transaction that has been open that long."""
    stale = AuditEvent.objects.filter(hash__isnull=True, occurred_at__lt=timezone.now() - age)
    oldest = stale.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    return stale.count(), oldest


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Walk the sealed chain in position order and yield every break: altered content, broken link, a
    missing position. Unsealed rows are not part of the chain yet (see `unsealed_older_than`)."""
    expected_prev = GENESIS_HASH
    expected_position = 1
    queryset = AuditEvent.objects.filter(position__isnull=False).order_by("position")
    for event in queryset.iterator(chunk_size=batch_size):
        if event.position != expected_position:
            yield ChainProblem(
                event.pk,
                f"chain positions {expected_position}-{event.position - 1} are missing (rows were removed)",
            )
        if event.prev_hash != expected_prev:
            yield ChainProblem(
                event.pk, "link to the previous event is broken (a row was removed or altered)"
            )
        if compute_hash(event, event.prev_hash) != event.hash:
            yield ChainProblem(event.pk, "content does not match its hash (the row was altered)")
        expected_prev = event.hash
        expected_position = event.position + 1
