"""A validated cache of endpoint 3's answer (GET /api/v1/licenses/{single_id}/info/{request_no}).

Building the detail costs nine ORM queries and DRF's serializers (~11 ms of CPU); answering from a kept copy
costs one SQL statement and a Redis read. The copy is never stale: it is found under a key that holds a
fingerprint of every row the build reads, taken by one statement on each call (`find`):

- each row's version is PostgreSQL's `xmin` (the transaction that wrote this version of the row: it changes
  on every UPDATE however it is made — `save()`, `QuerySet.update()`, raw SQL — with no signal or
  `auto_now` needed) and `ctid` (where the version lies: it tells apart two versions written by one
  transaction, which share their xmin); a set of rows (documents, payments, roles) is its ids with their
  versions, in id order, so an inserted or deleted row changes it too;
- the rows: the application; its business and the business's four address units; its licence type and
  service; every OWNER role of the business (which one is active is decided in Python) with its person, the
  person's nationality and four address units; every document of the application with its document type;
  its payments; its licence; its form definition with its steps and fields (the fields' order is the
  order of `license_properties`; a published definition is immutable anyway); the filer's account and the
  registry persons matching the filer's identity hash; the accounts matching an owner's identity hash (the
  disclosure's `people`);
- what is not a row: today's date in the portal's time zone (`active_role_q`: an owner role ending
  yesterday is no longer the active one), the active language, the database, and a fingerprint of the code,
  translation catalogs and library versions that shape the body (`_code_fingerprint`), so a deploy never
  serves an old shape.

A change committed between the fingerprint and the build only makes the kept copy newer than its key, and
that key is never asked for again (the rows have new versions). A transaction id comes round again only
after about four billion transactions, far beyond a copy's lifetime (CAMDX_API_DETAIL_CACHE_SECONDS); a
rewrite of a table (VACUUM FULL, a restore) only changes versions, costing builds.
tests/camdx_api/test_detail_cache.py checks that every table the build reads is in the statement (a
selector reading a new table fails it until it is fingerprinted here).

The kept value (the body, its validators, the ids of the disclosed people) holds personal data: it is
encrypted with the portal's field key (esb.crypto). A cache outage, or a value no configured key decrypts
(after a key rotation), costs a build, never an answer. `CAMDX_API_DETAIL_CACHE_SECONDS` is how long a copy
is kept (0: no cache, every call builds).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib
import inspect
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import django
import rest_framework
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model
from django.utils import timezone, translation

from accounts.models import User
from applications.models import Application, ApplicationDocument
from camdx_api import selectors
from camdx_api import serializers as api
from esb import crypto
from issuance.models import Licence
from licensing.models import DocumentType, FormDefinition, FormField, FormStep, LicenceService, LicenceType
from payments.models import Payment
from registry.models import AdministrativeUnit, Business, BusinessRole, Country, Person
from registry.text import normalize_single_id

logger = logging.getLogger(__name__)

KEY_PREFIX = "camdx-api:detail:v1"

# The models whose rows the fingerprint covers, by the letter `_FINGERPRINT_SQL` names them with. Their
# modules' sources are part of the code fingerprint (a model property the serializer reads is code too).
_MODELS: dict[str, type[Model]] = {
    "A": Application,
    "B": Business,
    "U": AdministrativeUnit,
    "T": LicenceType,
    "S": LicenceService,
    "R": BusinessRole,
    "P": Person,
    "N": Country,
    "D": ApplicationDocument,
    "K": DocumentType,
    "Y": Payment,
    "L": Licence,
    "F": FormField,
    "G": FormStep,
    "H": FormDefinition,
    "W": User,
}
FINGERPRINTED_MODELS: tuple[type[Model], ...] = tuple(_MODELS.values())
# The code that decides what the body holds.
_SHAPING_MODULES = (
    "camdx_api.selectors",
    "camdx_api.serializers",
    "camdx_api.detail_cache",
    "camdx_api.views",
    "registry.selectors",
)


def seconds() -> int:
    """How long a copy is kept; 0 (or less): the cache is off."""
    return int(getattr(settings, "CAMDX_API_DETAIL_CACHE_SECONDS", 0) or 0)


# --- the fingerprint statement -----------------------------------------------------------------------------

# A row's version is `(xmin, ctid)`, a set of rows `string_agg((id, xmin, ctid)::text …) ORDER BY id`; the
# parts are an array (its text keeps an empty set's NULL in its place: `concat_ws` would drop it and let the
# next part take its place). The names in braces are
# the models' tables and columns (`_Names`); every value is a parameter: the OWNER role three times, then the
# Single ID and the request number.
_FINGERPRINT_SQL = """
SELECT a.{A.pk}, ARRAY[
  (a.xmin, a.ctid)::text,
  (b.xmin, b.ctid)::text,
  (SELECT string_agg((u.{U.pk}, u.xmin, u.ctid)::text, ',' ORDER BY u.{U.pk}) FROM {U.table} u
    WHERE u.{U.pk} IN (b.{B.province}, b.{B.district}, b.{B.commune}, b.{B.village})),
  (SELECT (t.xmin, t.ctid)::text FROM {T.table} t WHERE t.{T.pk} = a.{A.licence_type}),
  (SELECT (s.xmin, s.ctid)::text FROM {S.table} s WHERE s.{S.pk} = a.{A.service}),
  (SELECT string_agg((r.{R.pk}, r.xmin, r.ctid, p.xmin, p.ctid, n.{N.pk}, n.xmin, n.ctid)::text, ','
      ORDER BY r.{R.pk})
    FROM {R.table} r JOIN {P.table} p ON p.{P.pk} = r.{R.person}
    LEFT JOIN {N.table} n ON n.{N.pk} = p.{P.nationality}
    WHERE r.{R.business} = a.{A.business} AND r.{R.role} = %s),
  (SELECT string_agg((u.{U.pk}, u.xmin, u.ctid)::text, ',' ORDER BY u.{U.pk}) FROM {U.table} u
    WHERE u.{U.pk} IN (
      SELECT unnest(ARRAY[p.{P.province}, p.{P.district}, p.{P.commune}, p.{P.village}])
      FROM {R.table} r JOIN {P.table} p ON p.{P.pk} = r.{R.person}
      WHERE r.{R.business} = a.{A.business} AND r.{R.role} = %s)),
  (SELECT string_agg((d.{D.pk}, d.xmin, d.ctid, k.xmin, k.ctid)::text, ',' ORDER BY d.{D.pk})
    FROM {D.table} d LEFT JOIN {K.table} k ON k.{K.pk} = d.{D.document_type}
    WHERE d.{D.application} = a.{A.pk}),
  (SELECT string_agg((y.{Y.pk}, y.xmin, y.ctid)::text, ',' ORDER BY y.{Y.pk}) FROM {Y.table} y
    WHERE y.{Y.application} = a.{A.pk}),
  (SELECT string_agg((l.{L.pk}, l.xmin, l.ctid)::text, ',' ORDER BY l.{L.pk}) FROM {L.table} l
    WHERE l.{L.application} = a.{A.pk}),
  (SELECT string_agg((f.{F.pk}, f.xmin, f.ctid)::text, ',' ORDER BY f.{F.pk}) FROM {F.table} f
    WHERE f.{F.definition} = a.{A.form_definition}),
  (SELECT string_agg((g.{G.pk}, g.xmin, g.ctid)::text, ',' ORDER BY g.{G.pk}) FROM {G.table} g
    WHERE g.{G.definition} = a.{A.form_definition}),
  (SELECT (h.xmin, h.ctid)::text FROM {H.table} h WHERE h.{H.pk} = a.{A.form_definition}),
  (w.xmin, w.ctid)::text,
  (SELECT string_agg((q.{P.pk}, q.xmin, q.ctid)::text, ',' ORDER BY q.{P.pk}) FROM {P.table} q
    WHERE q.{P.identity_number_hash} = w.{W.personal_code_hash} AND w.{W.personal_code_hash} <> ''),
  (SELECT string_agg((o.{W.pk}, o.xmin, o.ctid)::text, ',' ORDER BY o.{W.pk}) FROM {W.table} o
    WHERE o.{W.personal_code_hash} IN (
      SELECT p.{P.identity_number_hash}
      FROM {R.table} r JOIN {P.table} p ON p.{P.pk} = r.{R.person}
      WHERE r.{R.business} = a.{A.business} AND r.{R.role} = %s AND p.{P.identity_number_hash} <> ''))
]::text
FROM {A.table} a JOIN {B.table} b ON b.{B.pk} = a.{A.business} JOIN {W.table} w ON w.{W.pk} = a.{A.applicant}
WHERE a.{A.reference} IS NOT NULL AND a.{A.reference} <> '' AND a.{A.business} IS NOT NULL
  AND a.{A.discarded_at} IS NULL AND b.{B.single_id} = %s AND a.{A.reference} = %s
LIMIT 1
"""


class _Names:
    """A model's quoted table (`table`), primary key column (`pk`) and field columns (any other name)."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.pk = connection.ops.quote_name(model._meta.pk.column)

    def __getattr__(self, field: str) -> str:
        return connection.ops.quote_name(self.model._meta.get_field(field).column)


@functools.cache
def fingerprint_sql() -> str:
    """The statement, built once per process (see `_FINGERPRINT_SQL`)."""
    return _FINGERPRINT_SQL.format_map({letter: _Names(model) for letter, model in _MODELS.items()}).strip()


def code_files() -> list[Path]:
    """The files whose content shapes the body: the selectors and serializers, the models read, the
    translation catalogs."""
    modules = {importlib.import_module(name) for name in _SHAPING_MODULES}
    modules |= {importlib.import_module(model.__module__) for model in FINGERPRINTED_MODELS}
    files = {Path(inspect.getsourcefile(module) or "") for module in modules}
    for locale_path in settings.LOCALE_PATHS:
        files |= set(Path(locale_path).glob("*/LC_MESSAGES/*.mo"))
    return sorted(files)


@functools.cache
def _code_fingerprint() -> str:
    """A hash of `code_files()` and of the libraries' versions that render the body, read once per process
    (a deploy restarts it)."""
    digest = hashlib.sha256(f"{sys.version}|{django.get_version()}|{rest_framework.VERSION}".encode())
    for path in code_files():
        digest.update(str(path).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Found(NamedTuple):
    """An exposed application, and the cache key of its detail as its rows stand now."""

    application_id: int
    key: str


def find(single_id: str, request_no: str, *, on: datetime.date | None = None) -> Found | None:
    """The exposed application of that business with that request number (None: not found), by one
    statement, with the key its current detail is kept under. `on`: the day (today by default)."""
    with connection.cursor() as cursor:
        cursor.execute(
            fingerprint_sql(),
            [
                BusinessRole.Role.OWNER.value,
                BusinessRole.Role.OWNER.value,
                BusinessRole.Role.OWNER.value,
                normalize_single_id(single_id),
                request_no.strip(),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    application_id, rows = row
    material = "\n".join(
        (
            _code_fingerprint(),
            str(connection.settings_dict.get("NAME")),
            translation.get_language() or "",
            (on or timezone.localdate()).isoformat(),
            rows,
        )
    )
    digest = hashlib.sha256(material.encode()).hexdigest()
    return Found(application_id, f"{KEY_PREFIX}:{application_id}:{digest}")


# --- the kept answer ---------------------------------------------------------------------------------------


class DisclosedPerson(NamedTuple):
    """What the data-access log needs of a disclosed account (services.disclosures)."""

    pk: int


@dataclass(frozen=True)
class Entry:
    """Everything the view answers with, and the disclosure (services.disclosures reads `applicant_id`,
    `business_id`, `reference` of an application and `pk` of a person)."""

    data: dict
    etag: str
    last_modified: int
    applicant_id: int | None
    business_id: int | None
    reference: str
    people: tuple[DisclosedPerson, ...]

    @classmethod
    def built(cls, application: Application, data: dict) -> Entry:
        """From selectors.application_detail's application and its serialized body."""
        return cls(
            data=data,
            etag=body_etag(data),
            last_modified=int(application.last_modified.timestamp()),
            applicant_id=application.applicant_id,
            business_id=application.business_id,
            reference=application.reference or "",
            people=tuple(DisclosedPerson(user.pk) for user in application.disclosed_users),
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "data": self.data,
                "etag": self.etag,
                "last_modified": self.last_modified,
                "applicant_id": self.applicant_id,
                "business_id": self.business_id,
                "reference": self.reference,
                "people": [person.pk for person in self.people],
            },
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str) -> Entry:
        value = json.loads(text)
        return cls(
            data=value["data"],
            etag=value["etag"],
            last_modified=int(value["last_modified"]),
            applicant_id=value["applicant_id"],
            business_id=value["business_id"],
            reference=value["reference"],
            people=tuple(DisclosedPerson(int(pk)) for pk in value["people"]),
        )


def body_etag(data: Any) -> str:
    """The ETag of a body: a hash of its JSON with sorted keys (what views.conditional answers)."""
    body = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:40] + '"'


def load(key: str) -> Entry | None:
    """The kept answer under `key`; None when there is none, the cache is down or the value cannot be read."""
    try:
        token = cache.get(key)
    except Exception:
        logger.warning("cache unavailable: the application detail is built again")
        return None
    if token is None:
        return None
    try:
        return Entry.loads(crypto.decrypt(token))
    except Exception:  # a rotated key, a value of another shape: build again (and overwrite it)
        logger.warning("a kept application detail could not be read: built again")
        return None


def store(key: str, entry: Entry) -> None:
    try:
        cache.set(key, crypto.encrypt(entry.dumps()), seconds())
    except Exception:
        logger.warning("cache unavailable: the application detail is not kept")


def detail(single_id: str, request_no: str) -> Entry | None:
    """Endpoint 3's answer (None: no such exposed application): the kept copy when its rows are unchanged,
    otherwise built (selectors.application_detail and the serializer) and kept. One statement and a cache
    read instead of nine queries and the serializers."""
    found = None
    if seconds() > 0:
        found = find(single_id, request_no)
        if found is None:
            return None
        entry = load(found.key)
        if entry is not None:
            return entry
    application = selectors.application_detail(single_id, request_no)
    if application is None:
        return None
    entry = Entry.built(application, api.represent(api.ApplicationDetailSerializer, application))
    if found is not None and application.pk == found.application_id:
        store(found.key, entry)
    return entry
