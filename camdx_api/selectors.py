"""Reads behind the Part 5 endpoints (spec/part5-api.md): which applications other systems may see, found by
Single ID and request number, with everything their serializers need loaded in a fixed number of queries.

What is exposed (decided here, documented in docs/api.md):
- an application is exposed once it has a request number (`Application.reference`, given at the first
  submission or when a fee is asked for) and belongs to a registered business (a Single ID): every Part 5
  path after the list is keyed by Single ID, and a listed row a caller could not open would be a dead end.
  Applications a person filed without a business (no Single ID) are counted by the statistic endpoint only;
- discarded drafts are never exposed.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import translation

from accounts.models import User
from applications.models import Application, ApplicationDocument, ApplicationEvent, Status
from esb.compiled import CompiledQuery
from issuance.models import Licence
from licensing.models import DocumentType, FormField, LicenceService, LicenceType
from payments.models import Payment
from payments.models import Status as PaymentStatus
from registry.models import ADDRESS_RELATED, Business, BusinessRole, Country, Person
from registry.selectors import active_role_q
from registry.text import clean_name, normalize_single_id

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# The same rule as the Business.single_id validator: a path segment that cannot be a Single ID is a bad
# request (400), one that could be but is not registered is not found.
SINGLE_ID_PATTERN = r"^[0-9A-Z][0-9A-Z-]{0,19}$"
MIN_SEARCH_LENGTH = 2
# A company name is at most 255 characters: a longer term matches nothing, and a very long one makes
# PostgreSQL extract thousands of trigrams for every call.
MAX_SEARCH_LENGTH = 255
# Digits of a page number or size: more cannot be a real page (and Python refuses to convert over 4300).
_MAX_NUMBER_DIGITS = 9

# Answers served in `license_properties`: not those prefilled from a registry (they are the company and owner
# objects already), not files (`supporting_docs`), not phone numbers or email addresses (a person's contact,
# DESIGN.md §6; the company's are `company_data`).
_NOT_LICENCE_PROPERTIES = (FormField.FieldType.FILE, FormField.FieldType.PHONE, FormField.FieldType.EMAIL)
# Nor a question whose key names a person's identifier, name, birth date or contact, or a financial account:
# a service administrator may ask for a manager's ID number or a bank account in a plain text or number
# field, and Part 5 asks only for the owner's identity (`biz_owner_data.identity_code`). Matched on the key's
# words (`manager_identity_number`, `bankAccount`, `iban`).
_PERSONAL_KEY_WORDS = re.compile(
    r"(?:^|_)(?:identity|id_?(?:card|no|number)|nid|national_?id|passport|birth|dob|first_?name|last_?name"
    r"|full_?name|family_?name|given_?name|gender|sex|nationality|phone|mobile|tel|telephone|email|e_?mail"
    r"|bank|account|iban|swift|bic|card|pin|password|secret|salary)(?:_|$)"
)


class InvalidQuery(ValueError):
    """A query parameter the endpoint cannot accept; `field` names it for the error body."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Page:
    items: list[ListedApplication]
    page: int
    size: int
    total_counts: int

    @property
    def total_page(self) -> int:
        return math.ceil(self.total_counts / self.size) if self.total_counts else 0

    @property
    def pagination(self) -> dict[str, int]:
        return {
            "page": self.page,
            "size": self.size,
            "total_counts": self.total_counts,
            "total_page": self.total_page,
        }


def exposed_applications() -> QuerySet[Application]:
    """Every application a Part 5 consumer may see (see the module docstring)."""
    return Application.objects.filter(
        reference__isnull=False, business__isnull=False, discarded_at__isnull=True
    ).exclude(reference="")


def _with_list_columns(queryset: QuerySet[Application], *, service: bool = True) -> QuerySet[Application]:
    """What a list row shows: business, licence type (and service) joined, the licence's expiry date as one
    column (one licence per application, a database constraint)."""
    expiry = Licence.objects.filter(application=OuterRef("pk")).values("valid_until")[:1]
    related = ("business", "licence_type", "service") if service else ("business", "licence_type")
    return queryset.select_related(*related).annotate(licence_valid_until=Subquery(expiry))


# The columns a row of endpoint 1 serves (serializers.ApplicationListItemSerializer) and its disclosure reads:
# a page of 100 full rows (the answers, the business's address and registration columns) would be built and
# decrypted for nothing.
_LIST_ROW_COLUMNS = (
    "id",
    "reference",
    "status",
    "submitted_at",
    "decided_at",
    "applicant_id",
    "business_id",
    "licence_type_id",
    "business__single_id",
    "business__name_en",
    "business__name_km",
    "licence_type__code",
    "licence_type__name_en",
    "licence_type__name_km",
)


def parse_page(page: Any, size: Any) -> tuple[int, int]:
    """`page` (1-based) and `size` (1…MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when absent) from query strings."""
    number = _positive_int("page", page, default=1)
    per_page = _positive_int("size", size, default=DEFAULT_PAGE_SIZE)
    if per_page > MAX_PAGE_SIZE:
        raise InvalidQuery("size", f"size must be between 1 and {MAX_PAGE_SIZE}.")
    return number, per_page


def _positive_int(name: str, value: Any, *, default: int) -> int:
    if value is None or value == "":
        return default
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_NUMBER_DIGITS:
        raise InvalidQuery(name, f"{name} must be a whole number of at least 1.")
    number = int(text)
    if number < 1:
        raise InvalidQuery(name, f"{name} must be a whole number of at least 1.")
    return number


def search_applications(
    *,
    search_term: str = "",
    license_type: str = "",
    license_status: str = "",
    page: int = 1,
    size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    """Endpoint 1: exposed applications, newest first, filtered by Single ID or company name (either
    language, a substring: served by the trigram indexes on UPPER(name)), licence type code and status code.
    The caller validated `license_status` against `Application.Status` and page/size with `parse_page`.

    The page is read as rows (`ListedApplication`), through SQL compiled once per process and combination of
    filters (esb.compiled): the ORM's compiling and 20 model instances cost more CPU than the query."""
    text = clean_name(search_term)
    if search_term.strip() and not text:
        # Only invisible characters: a filter that would silently match everything (DESIGN.md §7).
        raise InvalidQuery("search_term", "search_term has no visible characters.")
    if text:
        if len(text) < MIN_SEARCH_LENGTH:
            raise InvalidQuery("search_term", f"search_term needs at least {MIN_SEARCH_LENGTH} characters.")
        if len(text) > MAX_SEARCH_LENGTH:
            raise InvalidQuery("search_term", f"search_term takes at most {MAX_SEARCH_LENGTH} characters.")
    single_id = normalize_single_id(text) if text else ""
    shape = (bool(text), bool(single_id), bool(license_type), bool(license_status))
    args = tuple(
        value
        for value, present in zip((text, single_id, license_type, license_status), shape, strict=True)
        if present
    )
    total = _total(shape, args, (text, license_type, license_status))
    offset = (page - 1) * size
    items: list[ListedApplication] = []
    if offset < total:
        rows = _compiled_list(shape, count=False).rows(*args, size, offset)
        items = [ListedApplication.from_row(row) for row in rows]
    return Page(items=items, page=page, size=size, total_counts=total)


def _filtered(shape: tuple[bool, bool, bool, bool], *args: str) -> QuerySet[Application]:
    """The exposed applications matching the filters present in `shape` (text, Single ID, licence type,
    status), their values in `args` in that order."""
    values = iter(args)
    has_text, has_single_id, has_type, has_status = shape
    queryset = exposed_applications()
    if has_text:
        text = next(values)
        single_id = next(values) if has_single_id else ""
        queryset = queryset.filter(business__in=businesses_matching(text, single_id=single_id).values("pk"))
    if has_type:
        queryset = queryset.filter(licence_type__code=next(values))
    if has_status:
        queryset = queryset.filter(status=next(values))
    return queryset


_LIST_QUERIES: dict[tuple, CompiledQuery] = {}


def _compiled_list(shape: tuple[bool, bool, bool, bool], *, count: bool) -> CompiledQuery:
    """The compiled page (or count) query of one combination of filters."""
    key = (shape, count)
    query = _LIST_QUERIES.get(key)
    if query is None:
        if count:
            # COUNT as a plain function: no GROUP BY, one row (what QuerySet.count() sends)
            query = CompiledQuery(
                lambda *args: (
                    _filtered(shape, *args)
                    .order_by()
                    .annotate(total=Func(F("pk"), function="COUNT"))
                    .values_list("total")
                )
            )
        else:
            query = CompiledQuery(lambda *args: _page_rows(shape, *args))
        _LIST_QUERIES[key] = query
    return query


def _page_rows(shape: tuple[bool, bool, bool, bool], *args) -> QuerySet[Application]:
    """The rows of one page (`args`: the filters' values, then size and offset). The page's ids are chosen
    first, from the exposure indexes alone, and only those rows are joined: an OFFSET over the joined rows
    built and dropped every skipped row with its business, licence type and licence (page 500 of a million
    applications: 26 ms instead of about 2)."""
    *values, size, offset = args
    ids_sql, ids_params = _filtered(shape, *values).order_by("-pk").values("pk").query.sql_with_params()
    page_ids = RawSQL(f"{ids_sql} LIMIT %s OFFSET %s", (*ids_params, size, offset))  # noqa: S611 (the ORM's SQL)
    return (
        _with_list_columns(Application.objects.filter(pk__in=page_ids), service=False)
        .order_by("-pk")
        .values_list(*_LIST_ROW_COLUMNS, "licence_valid_until")
    )


@dataclass(frozen=True, slots=True)
class CodeName:
    code: str
    name_en: str
    name_km: str


@dataclass(frozen=True, slots=True)
class ListedBusiness:
    pk: int
    single_id: str
    name_en: str
    name_km: str


@dataclass(frozen=True, slots=True)
class ListedApplication:
    """A row of endpoint 1, with the attributes its serializer and the disclosure read on an Application."""

    pk: int
    reference: str
    status: str
    submitted_at: Any
    decided_at: Any
    applicant_id: int | None
    business_id: int
    licence_type_id: int | None
    business: ListedBusiness
    licence_type: CodeName | None
    licence_valid_until: Any

    @classmethod
    def from_row(cls, row: tuple) -> ListedApplication:
        (pk, reference, status, submitted_at, decided_at, applicant_id, business_id, licence_type_id) = row[
            :8
        ]
        single_id, name_en, name_km, type_code, type_en, type_km, valid_until = row[8:]
        return cls(
            pk=pk,
            reference=reference,
            status=status,
            submitted_at=submitted_at,
            decided_at=decided_at,
            applicant_id=applicant_id,
            business_id=business_id,
            licence_type_id=licence_type_id,
            business=ListedBusiness(pk=business_id, single_id=single_id, name_en=name_en, name_km=name_km),
            licence_type=None if licence_type_id is None else CodeName(type_code, type_en, type_km),
            licence_valid_until=valid_until,
        )


# The list's total is an exact COUNT of the matching exposed applications. At a million applications it reads
# 50,000 to 1,000,000 rows a request (150–700 ms of database time; bench/README.md, "Part 5 API at one million
# applications") while the page itself takes 2–8 ms, and a consumer pages through one query page after page.
# So a large total (CACHED_TOTAL_FROM or more) is kept in the shared cache for TOTAL_CACHE_SECONDS, keyed by
# the query: such a total can be that many seconds old (pages themselves are always read live). A smaller
# total is cheap to count and stays exact.
CACHED_TOTAL_FROM = 10_000
TOTAL_CACHE_SECONDS = 30
_TOTAL_CACHE_PREFIX = "camdx-api:list-total:v2"
# The web process keeps its own copy of a shared entry until the entry's own end (TOTAL_CACHE_SECONDS after
# it was counted, whichever process counted it): a consumer paging through a query costs no cache round trip
# for its total, and no total is older than before.
_local_totals: dict[str, tuple[int, float]] = {}
_LOCAL_TOTALS_MAX = 1_000


def _total(shape: tuple[bool, bool, bool, bool], args: tuple, query: tuple) -> int:
    """How many exposed applications match; a large total from the cache when it was counted less than
    TOTAL_CACHE_SECONDS ago."""
    material = repr((connection.settings_dict.get("NAME"), query))
    key = f"{_TOTAL_CACHE_PREFIX}:{hashlib.sha256(material.encode()).hexdigest()}"  # no search term in clear
    now = time.time()
    local = _local_totals.get(key)
    if local is not None and local[1] > now:
        return local[0]
    try:
        cached = cache.get(key)
    except Exception:  # a cache outage costs a count, never an answer
        logger.warning("cache unavailable: the list total is counted again")
        cached = None
    if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], int):
        _keep_local(key, cached[0], float(cached[1]) + TOTAL_CACHE_SECONDS)
        return cached[0]
    total = int(_compiled_list(shape, count=True).rows(*args)[0][0])
    if total >= CACHED_TOTAL_FROM:
        try:
            cache.set(key, (total, now), TOTAL_CACHE_SECONDS)
        except Exception:
            logger.warning("cache unavailable: the list total is not kept")
        else:
            _keep_local(key, total, now + TOTAL_CACHE_SECONDS)
    return total


def _keep_local(key: str, total: int, until: float) -> None:
    if len(_local_totals) >= _LOCAL_TOTALS_MAX:
        _local_totals.clear()
    _local_totals[key] = (total, until)


def businesses_matching(text: str, *, single_id: str | None = None) -> QuerySet[Business]:
    """Businesses whose Single ID is `text`, or whose Khmer or English name contains it. `icontains` compiles
    to UPPER(name) LIKE UPPER(…): the expression the GIN trigram indexes on the names are built on.
    `single_id`: `text` as a Single ID when the caller normalized it already (a compiled query takes it as its
    own argument)."""
    matches = Q(name_en__icontains=text) | Q(name_km__icontains=text)
    single_id = normalize_single_id(text) if single_id is None else single_id
    if single_id:
        matches |= Q(single_id=single_id)
    return Business.objects.filter(matches)


def is_single_id(value: str) -> bool:
    return re.fullmatch(SINGLE_ID_PATTERN, normalize_single_id(value)) is not None


def business_with_applications(single_id: str) -> Business | None:
    """Endpoint 2: the business and its exposed applications (newest first) in `exposed`, two queries."""
    applications = _with_list_columns(exposed_applications()).order_by("-pk")
    return (
        Business.objects.filter(single_id=normalize_single_id(single_id))
        .prefetch_related(Prefetch("applications", queryset=applications, to_attr="exposed"))
        .order_by()
        .first()
    )


def business_exists(single_id: str) -> bool:
    return Business.objects.filter(single_id=normalize_single_id(single_id)).exists()


def application(single_id: str, request_no: str) -> Application | None:
    """One exposed application of the business, by request number (both must match: a request number of
    another business is not found)."""
    return (
        _with_list_columns(exposed_applications())
        .select_related(*(f"business__{level}" for level in ADDRESS_RELATED))
        .filter(business__single_id=normalize_single_id(single_id), reference=request_no.strip())
        .order_by()
        .first()
    )


def application_detail(single_id: str, request_no: str) -> Application | None:
    """Endpoint 3: the application with what the detail serializer reads set as attributes: `owner` (the
    business's active owner, or None), `current_documents`, `payment_status`, `licence`,
    `licence_properties`, `register_person` (the filer's registry entry when they are in it)."""
    found = application(single_id, request_no)
    if found is None:
        return None
    found.owner = business_owner(found.business)
    found.current_documents = supporting_documents(found)
    found.payment_status = payment_status(found)
    found.licence = Licence.objects.filter(application=found).first()
    found.licence_properties = licence_properties(found, found.licence)
    found.register_person = registry_person_of(found.applicant)
    found.disclosed_users = users_disclosed(found)
    found.last_modified = max(
        stamp
        for stamp in (
            found.updated_at,
            found.business.updated_at,
            found.owner.updated_at if found.owner else None,
            found.licence.updated_at if found.licence else None,
            found.register_person.updated_at if found.register_person else None,
            found.payment_updated_at,
            *(document.uploaded_at for document in found.current_documents),
        )
        if stamp is not None
    )
    return found


def users_disclosed(found: Application) -> list:
    """The accounts whose personal data the detail serves besides the filer's: the owner (`biz_owner_data`)
    when the owner has an account of their own (matched by identity number, through the hashes). The filer
    (`register_by`) is the subject of the application's own line in the data-access log: one read, one line
    for each person."""
    owner = found.owner
    if owner is None or not owner.identity_number_hash:
        return []
    # only the key: the data-access log needs the account, not its (encrypted) personal data decrypted
    return list(
        User.objects.filter(personal_code_hash=owner.identity_number_hash)
        .exclude(pk=found.applicant_id)
        .only("pk")
    )


def business_owner(business: Business) -> Person | None:
    """The person holding the business's active OWNER role (the longest-standing one when several do)."""
    role = (
        BusinessRole.objects.filter(active_role_q(), business=business, role=BusinessRole.Role.OWNER)
        .select_related("person__nationality", *(f"person__{level}" for level in ADDRESS_RELATED))
        .order_by("since", "pk")
        .first()
    )
    return role.person if role else None


def registry_person_of(user) -> Person | None:
    """The registry's entry for the account holder, matched by the identity number CamDigiKey vouched for
    (keyed hashes on both sides, nothing decrypted): it holds the names split into given and family name."""
    if not user.personal_code_hash:
        return None
    # `register_by` serves the names and the phone: the identity number and birth date are not decrypted
    return (
        Person.objects.filter(identity_number_hash=user.personal_code_hash)
        .defer("identity_number", "date_of_birth")
        .order_by("pk")
        .first()
    )


def supporting_documents(found: Application) -> list[ApplicationDocument]:
    """The current files that carry a catalog document type (the code is how Part 5 names a document)."""
    return list(
        found.documents.filter(replaced_at__isnull=True, document_type__isnull=False)
        .select_related("document_type")
        .order_by("field_key", "position", "pk")
    )


def document(single_id: str, request_no: str, document_code: str) -> ApplicationDocument | None:
    """Endpoint 4: the current file of that document type in that application (the first one when the form
    field takes several files), with `disclosed_users` (the owner's account, as for the detail). A code of a
    document of another application is simply not found here."""
    found = application(single_id, request_no)
    if found is None:
        return None
    current = (
        found.documents.filter(replaced_at__isnull=True, document_type__code=document_code)
        .select_related("document_type")
        .order_by("position", "pk")
        .first()
    )
    if current is not None:
        # A document (an ID card, a deed) is the owner's as much as the filer's: the data-access log tells
        # both, as for the detail.
        found.owner = business_owner(found.business)
        current.application = found
        current.disclosed_users = users_disclosed(found)
    return current


# When several attempts exist, the one that settled the fee speaks for the application.
_PAYMENT_PRECEDENCE = (PaymentStatus.PAID, PaymentStatus.WAIVED, PaymentStatus.REFUNDED)


def payment_status(found: Application) -> str | None:
    """The application's Part 5 payment status: PAID / WAIVED / REFUNDED when an attempt reached it, else the
    latest attempt's status; UNPAID for a fee nobody has tried to pay yet; None for a free service."""
    attempts = list(
        Payment.objects.filter(application=found)
        .order_by("-created_at", "-pk")
        .values_list("status", "updated_at")
    )
    found.payment_updated_at = max((updated for _, updated in attempts), default=None)
    statuses = [status for status, _ in attempts]
    for settled in _PAYMENT_PRECEDENCE:
        if settled in statuses:
            return settled
    if statuses:
        return statuses[0]
    return PaymentStatus.UNPAID if found.fee_amount > 0 else None


def licence_properties(found: Application, licence: Licence | None) -> dict[str, Any]:
    """The licence-type-specific particulars: the applicant's answers to the form's own questions, keyed by
    field key, as stored — not the registry-prefilled ones (company and owner objects), files, phone numbers,
    email addresses or questions whose key names a person's identifier or a financial account — and, once
    issued, the licence number (`license_number`, which an answer cannot override)."""
    fields = FormField.objects.filter(definition_id=found.form_definition_id).values_list(
        "key", "field_type", "prefill_source"
    )
    answers = found.answers if isinstance(found.answers, dict) else {}
    properties: dict[str, Any] = {}
    for key, field_type, prefill_source in fields:
        if prefill_source or field_type in _NOT_LICENCE_PROPERTIES or key not in answers:
            continue
        if _names_personal_data(key):
            continue
        value = answers[key]
        if value in (None, "", [], {}):
            continue
        properties[key] = value
    if licence is not None and licence.number:
        properties["license_number"] = licence.number
    return properties


def _names_personal_data(key: str) -> bool:
    # camelCase and dashes as snake_case words: `bankAccount` → `bank_account`.
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).replace("-", "_").lower()
    return _PERSONAL_KEY_WORDS.search(words) is not None


def timeline(single_id: str, request_no: str) -> Application | None:
    """Endpoint 5: the application with its timeline events, oldest first, in `timeline_events` (the officer's
    internal note is not even read)."""
    found = application(single_id, request_no)
    if found is None:
        return None
    found.timeline_events = list(
        ApplicationEvent.objects.filter(application=found).defer("internal_note").order_by("at", "pk")
    )
    found.last_modified = max([found.business.updated_at, *(event.at for event in found.timeline_events)])
    return found


def is_country(code: str) -> bool:
    return Country.objects.filter(alpha2=code.upper()).exists()


# --- the published code lists (GET /api/v1/codes) ----------------------------------------------------------


def _labelled(choices: type) -> list[dict[str, str]]:
    rows = []
    for value, label in choices.choices:
        with translation.override("en"):
            name_en = str(label)
        with translation.override("km"):
            name_kh = str(label)
        rows.append({"code": value, "name_en": name_en, "name_kh": name_kh})
    return rows


def code_tables() -> dict[str, list[dict[str, Any]]]:
    """The code-mapping tables Part 5 refers to ("table status Mapping", "Code Mapping table"): the seven
    application statuses, the payment statuses and the catalog's codes (licence types with their services,
    document types), each with its English and Khmer name. Inactive catalog entries stay listed: old
    applications still carry their codes."""
    services = LicenceService.objects.order_by("sort_order", "code")
    licence_types = LicenceType.objects.prefetch_related(Prefetch("services", queryset=services)).order_by(
        "code"
    )
    return {
        "license_statuses": _labelled(Status),
        "payment_statuses": _labelled(PaymentStatus),
        "license_types": [
            {
                "code": licence_type.code,
                "name_en": licence_type.name_en,
                "name_kh": licence_type.name_km,
                "services": [
                    {"code": service.code, "name_en": service.name_en, "name_kh": service.name_km}
                    for service in licence_type.services.all()
                ],
            }
            for licence_type in licence_types
        ],
        "document_types": [
            {"code": row.code, "name_en": row.name_en, "name_kh": row.name_km}
            for row in DocumentType.objects.order_by("code")
        ],
    }
