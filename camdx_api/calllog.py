"""The call-log line of a Part 5 call and the data-access lines of what it disclosed, written in ONE SQL
statement: a data-modifying CTE inserting the `ApiCall` row and every `DataAccess` row, sent in autocommit,
so one round trip and one commit (WAL flush included) make them durable before the answer leaves.

Why not the ORM: building a model instance per disclosed application, compiling a bulk INSERT, then BEGIN /
INSERT / INSERT / COMMIT cost ~2–4 ms of CPU and three round trips on every list page (20 applications);
the rows written are the same, column for column (tests/camdx_api/test_disclosure.py compares them with
the ORM's own writers, `services.record_call` and `services.record_disclosure`).

Inside a transaction (a caller's `atomic()`, a test's) the statement simply joins it: both kinds of rows
still commit or roll back together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from camdx_api.models import ApiCall
from privacy.models import AccessorKind, AccessPurpose, DataAccess


@dataclass(frozen=True)
class Access:
    """One data-access line: whom the answer concerned (a user, a business or both) and what it showed."""

    what: str
    subject_user_id: int | None = None
    subject_business_id: int | None = None
    object_ref: str = ""


def _columns(model, names: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


_CALL_FIELDS = (
    "consumer",
    "service_code",
    "method",
    "path",
    "status_code",
    "outcome",
    "duration_ms",
    "ip",
    "xroad_id",
    "xroad_request_id",
    "xroad_client",
    "xroad_userid",
    "xroad_issue",
    "request_id",
    "at",
)
_ACCESS_FIELDS = (
    "at",
    "subject_user",
    "subject_business",
    "accessor_label",
    "accessor_label_km",
    "accessor_kind",
    "purpose",
    "request_id",
    "what",
    "object_ref",
)
_SQL: dict[bool, str] = {}


def _sql(synchronous: bool) -> str:
    found = _SQL.get(synchronous)
    if found is None:
        call_table = connection.ops.quote_name(ApiCall._meta.db_table)
        access_table = connection.ops.quote_name(DataAccess._meta.db_table)
        # A transaction-local setting made by the statement itself: its own (implicit) transaction commits
        # without waiting for the WAL flush (settings.CAMDX_API_LOG_SYNCHRONOUS_COMMIT off).
        relaxed = (
            "" if synchronous else "relaxed AS (SELECT set_config('synchronous_commit', 'off', true) s), "
        )
        flag = "" if synchronous else ", (SELECT s FROM relaxed)"
        found = _SQL[synchronous] = f"""
            WITH {relaxed}call AS (
                INSERT INTO {call_table} ({_columns(ApiCall, _CALL_FIELDS)})
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s::inet, %s, %s, %s, %s, %s, %s, %s) RETURNING id
            ), accesses AS (
                INSERT INTO {access_table} ({_columns(DataAccess, _ACCESS_FIELDS)})
                SELECT %s, t.u, t.b, %s, %s, %s, %s, %s, t.w, t.r
                FROM json_to_recordset(%s::json) AS t(u bigint, b bigint, w text, r text) RETURNING 1
            )
            SELECT (SELECT id FROM call), (SELECT count(*) FROM accesses){flag}
        """  # noqa: S608 (table and column names are the models', every value is a parameter)
    return found


def write(
    *,
    consumer_id: int | None,
    service_code: str,
    method: str,
    path: str,
    status_code: int,
    duration_ms: int,
    outcome: str,
    ip: str | None,
    xroad,
    request_id: str,
    accessor_label: str = "",
    accessor_label_km: str = "",
    accesses: Iterable[Access] = (),
) -> tuple[int, int]:
    """Append the call's line and its data-access lines (those concerning no one are skipped), truncated as
    the ORM writers truncate them; (the ApiCall id, how many data-access lines were written)."""
    rows = [a for a in accesses if a.subject_user_id is not None or a.subject_business_id is not None]
    now = timezone.now()
    request_id = (request_id if request_id != "-" else "")[:64]
    params = [
        consumer_id,
        (service_code or "")[:32],
        (method or "")[:10],
        (path or "").split("?", 1)[0][:500],
        int(status_code),
        (outcome or "")[:40],
        max(0, int(duration_ms)),
        ip,
        xroad.id,
        xroad.request_id,
        xroad.client,
        xroad.userid,
        xroad.issue,
        request_id,
        now,
        now,
        (accessor_label or "")[:200],
        (accessor_label_km or "")[:200],
        AccessorKind.API.value,
        AccessPurpose.API_REQUEST.value,
        request_id,
        # one JSON parameter (C-encoded): psycopg dumps four Python lists element by element
        json.dumps(
            [
                {
                    "u": a.subject_user_id,
                    "b": a.subject_business_id,
                    "w": (a.what or "")[:200],
                    "r": (a.object_ref or "")[:64],
                }
                for a in rows
            ],
            ensure_ascii=False,
        ),
    ]
    # In a caller's transaction, a savepoint: a failed write must not abort the caller's transaction (the
    # door then logs the 500 it answers instead). In autocommit (a request), the statement is its own commit.
    # Only a statement that is its own transaction may relax its commit: inside a caller's transaction the
    # setting would relax the caller's commit too.
    in_transaction = connection.in_atomic_block
    synchronous = in_transaction or settings.CAMDX_API_LOG_SYNCHRONOUS_COMMIT
    with transaction.atomic() if in_transaction else nullcontext(), connection.cursor() as cursor:
        cursor.execute(_sql(synchronous), params)
        call_id, written = cursor.fetchone()[:2]
    return int(call_id), int(written)
