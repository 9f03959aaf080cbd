"""Writes and checks of the API door: who is calling (the organization token), the call log and the
disclosure log of the people whose data an answer carried.

Token checks (dpi-protocols.md §1.6, §2.5–2.7): the CamDigiKey client verifies the signature against the
signer chain and the expiry and type locally, then asks CamDigiKey's token-status API, which is
authoritative. A positive answer is cached for POSITIVE_TTL seconds (never past the token's expiry), keyed
by the SHA-256 of the token, so a busy consumer does not cost a CamDigiKey round trip per call; the token
itself is never stored. So a revoked token is refused at most POSITIVE_TTL seconds after its revocation.
Definite refusals (revoked, wrong type) are remembered only NEGATIVE_TTL seconds.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.camdigikey import errors as cdk
from accounts.camdigikey import signature
from accounts.identity_providers import CAMDIGIKEY, identity_providers
from camdx_api import calllog, door_cache, errors
from camdx_api.models import ApiConsumer
from esb import audit, request_context

logger = logging.getLogger(__name__)

POSITIVE_TTL = 30  # seconds a valid token's status is trusted without asking CamDigiKey again
NEGATIVE_TTL = 10  # seconds a revoked or wrong-type token is refused without asking again
NOT_BEFORE_LEEWAY = 60  # seconds of clock difference with CamDigiKey tolerated on a token's `nbf`
_CACHE_PREFIX = "camdx-api:token-status:v1"
FIELD_MAX = 255


@dataclass(frozen=True)
class XRoadHeaders:
    """The X-Road headers of a request ("" when absent); what the security server added or passed on."""

    id: str = ""
    request_id: str = ""
    client: str = ""
    userid: str = ""
    issue: str = ""

    @classmethod
    def from_meta(cls, meta: dict) -> XRoadHeaders:
        def header(name: str) -> str:
            return printable(str(meta.get(name, "") or ""))

        return cls(
            id=header("HTTP_X_ROAD_ID"),
            request_id=header("HTTP_X_ROAD_REQUEST_ID"),
            client=printable(last_header_value(str(meta.get("HTTP_X_ROAD_CLIENT", "") or ""))),
            userid=header("HTTP_X_ROAD_USERID"),
            issue=header("HTTP_X_ROAD_ISSUE"),
        )


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: `request.auth` of every Part 5 view."""

    consumer: ApiConsumer
    token_jti: str
    xroad: XRoadHeaders = field(default_factory=XRoadHeaders)
    # epoch seconds until which the token's acceptance may be reused without asking again (0: not reusable)
    accepted_until: float = 0.0
    # (count, seconds left) of the consumer's rate window when the door already counted this call
    rate: tuple[int, int] | None = None


_CONTROL_CHARACTERS = dict.fromkeys([*range(32), 127])


def printable(value: str, limit: int = FIELD_MAX) -> str:
    """A header value as the logs keep it: without control characters (PostgreSQL refuses NUL, which would
    keep the call out of the log; CR, LF and ESC would forge lines in a text log) and cut to the column."""
    return value.translate(_CONTROL_CHARACTERS).strip()[:limit]


def last_header_value(value: str) -> str:
    """PR-REST §4.3: when a header is repeated the last one wins (WSGI joins repeats with commas; the parts of
    an X-Road identifier are percent-encoded, so a literal comma separates values)."""
    return value.split(",")[-1].strip() if value else ""


def xroad_member(client_header: str) -> str:
    """INSTANCE/CLASS/MEMBER of an X-Road-Client header (parts percent-decoded), "" when malformed."""
    parts = [unquote(part) for part in client_header.strip().split("/")]
    if len(parts) not in (3, 4) or not all(parts):
        return ""
    return "/".join(parts[:3])


# --- the organization token --------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """How a token is named in every cache: its SHA-256 (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _cache_key(token: str) -> str:
    return f"{_CACHE_PREFIX}:{token_digest(token)}"


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # a cache outage costs a round trip, never a refusal
        logger.warning("cache unavailable: the token status is asked again")
        return None


def _cache_set(key: str, value: dict, ttl: int) -> None:
    if ttl < 1:
        return
    try:
        cache.set(key, value, ttl)
    except Exception:
        logger.warning("cache unavailable: the token status is not cached")


def _refusal_from(error: cdk.CamDigiKeyError) -> errors.ApiError:
    """The API's refusal for what the CamDigiKey client raised."""
    if isinstance(error, cdk.ExpiredAccessToken):
        return errors.ExpiredToken()
    if isinstance(error, cdk.DisabledAccessToken):
        return errors.RevokedToken()
    if isinstance(error, cdk.InvalidAccessTokenType):
        return errors.WrongTokenType()
    if isinstance(error, cdk.InvalidTokenSignature):
        return errors.BadSignature()
    if isinstance(error, cdk.AccessTokenIdEmpty):
        return errors.MalformedToken()
    if isinstance(error, cdk.InvalidClientDomain):
        return errors.UnknownConsumer()
    # transport, our envelope or configuration, an untrusted signer chain, a refusal of our own client:
    # nothing the caller did; the token is neither accepted nor refused
    logger.warning("CamDigiKey could not check an organization token: %s", error)
    return errors.IdentityServiceUnavailable()


_UNREAD = object()


def _token_identity(token: str, cached=_UNREAD) -> tuple[str, str, float]:
    """(domain, jti, accepted until) of a valid ORGANIZATION token, from the cache (`cached`: its entry when
    already read) or CamDigiKey; raises an ApiError. "Accepted until": when CamDigiKey's answer stops being
    reusable (POSITIVE_TTL after it was given, never past the token's expiry; 0 for an entry that does not
    say when it was given)."""
    key = _cache_key(token)
    if cached is _UNREAD:
        cached = _cache_get(key)
    if isinstance(cached, dict):
        if cached.get("refused") == errors.RevokedToken.reason:
            raise errors.RevokedToken()
        if cached.get("refused") == errors.WrongTokenType.reason:
            raise errors.WrongTokenType()
        exp = int(cached.get("exp") or 0)
        if cached.get("domain") and (not exp or exp > time.time()):
            return str(cached["domain"]), str(cached.get("jti") or ""), _accepted_until(cached)
    try:
        status = identity_providers.get(CAMDIGIKEY).client().validate_organization_token(token)
    except cdk.CamDigiKeyError as error:
        refusal = _refusal_from(error)
        if isinstance(refusal, errors.RevokedToken | errors.WrongTokenType):
            _cache_set(key, {"refused": refusal.reason}, NEGATIVE_TTL)
        raise refusal from None
    except LookupError:  # no identity provider registered under "camdigikey": a deployment problem
        logger.error("no CamDigiKey identity provider is registered: organization tokens cannot be checked")
        raise errors.IdentityServiceUnavailable() from None
    domain = status.domain.strip().lower()
    jti = str(status.payload.get("jti") or "")
    exp = _int_claim(status.payload, "exp")
    if _int_claim(status.payload, "nbf") > time.time() + NOT_BEFORE_LEEWAY:
        # the CamDigiKey client checks the expiry but not the start of validity
        raise errors.InvalidAccessToken("Invalid access token: the token is not valid yet.")
    now = time.time()
    ttl = POSITIVE_TTL if not exp else min(POSITIVE_TTL, int(exp - now))
    entry = {"domain": domain, "jti": jti, "exp": exp, "at": now}
    _cache_set(key, entry, ttl)
    return domain, jti, _accepted_until(entry)


def _accepted_until(entry: dict) -> float:
    try:
        at = float(entry.get("at") or 0)
    except (TypeError, ValueError):
        return 0.0
    if not at:
        return 0.0
    exp = _int_claim(entry, "exp")
    return min(at + POSITIVE_TTL, exp) if exp else at + POSITIVE_TTL


def _int_claim(payload: dict, name: str) -> int:
    try:
        return int(payload.get(name) or 0)
    except (TypeError, ValueError):
        return 0


def cached_token_status(token: str):
    """The cached status entry of a token (None when none): read once, given to `recently_accepted` and
    `authenticate_organization`."""
    return _cache_get(_cache_key((token or "").strip()))


def recently_accepted(token: str, cached=_UNREAD) -> bool:
    """Did CamDigiKey accept this token within the last POSITIVE_TTL seconds (its status is cached)?"""
    if cached is _UNREAD:
        cached = cached_token_status(token)
    if not isinstance(cached, dict) or not cached.get("domain"):
        return False
    exp = _int_claim(cached, "exp")
    return not exp or exp > time.time()


def forget_token(token: str) -> None:
    """Drop the cached status of a token (e.g. after revoking it here), in every process."""
    try:
        cache.delete(_cache_key(token))
        door_cache.bump()
    except Exception:
        logger.warning("cache unavailable: a token status could not be forgotten")


def authenticate_organization(
    token: str | None,
    xroad_client_header: str = "",
    *,
    xroad: XRoadHeaders | None = None,
    cached_status=_UNREAD,
) -> Caller:
    """The consumer behind a CamDigiKey ORGANIZATION token, or a typed refusal (errors.InvalidAccessToken
    subclasses: missing, malformed, bad signature, expired, revoked, wrong type, unknown or inactive domain,
    X-Road client mismatch; errors.IdentityServiceUnavailable when CamDigiKey cannot be asked).

    When the request came through CamDX (an X-Road-Client header) and the consumer has a registered X-Road
    subsystem, the calling member must be the registered one: a token lent to another member is refused.
    `cached_status`: the token's cache entry when the caller already read it (`cached_token_status`)."""
    token = (token or "").strip()
    if not token:
        raise errors.MissingToken()
    try:
        signature.parse(token)  # shape only: no network, no key
    except cdk.CamDigiKeyError:
        raise errors.MalformedToken() from None
    domain, jti, accepted_until = _token_identity(token, cached_status)
    consumer = consumer_by_domain(domain)
    if consumer is None:
        raise errors.UnknownConsumer()
    if not consumer.is_active:
        raise errors.InactiveConsumer()
    client_header = last_header_value(xroad_client_header or "")
    if not xroad_client_allowed(consumer, client_header):
        raise errors.XRoadClientMismatch()
    return Caller(
        consumer=consumer,
        token_jti=jti,
        xroad=xroad or XRoadHeaders(client=client_header),
        accepted_until=accepted_until,
    )


def xroad_client_allowed(consumer: ApiConsumer, client_header: str) -> bool:
    """A call through CamDX (an X-Road-Client header) must come from the consumer's registered member."""
    return not (
        client_header and consumer.xroad_client and xroad_member(client_header) != consumer.xroad_member
    )


# --- the consumers ----------------------------------------------------------------------------------------

# The consumer row of a domain is read on every call: kept in the shared cache (its column values, never the
# token) until the row is saved or deleted (camdx_api.signals drops the entry, at once and again at the
# commit), so a deactivation or a narrowed access list takes effect at the next call. CONSUMER_TTL bounds the
# life of an entry should a row ever change without a save (a QuerySet.update(), a manual SQL statement).
CONSUMER_TTL = 60
_CONSUMER_PREFIX = "camdx-api:consumer:v1"
_CONSUMER_FIELDS = tuple(f.attname for f in ApiConsumer._meta.concrete_fields)


def _consumer_key(domain: str) -> str:
    return f"{_CONSUMER_PREFIX}:{hashlib.sha256(domain.encode()).hexdigest()[:40]}"


def _generation_key(domain: str) -> str:
    return f"{_consumer_key(domain)}:generation"


def consumer_by_domain(domain: str) -> ApiConsumer | None:
    """The registered consumer of a CamDigiKey domain (None when there is none), from the shared cache when
    the row was read less than CONSUMER_TTL seconds ago and not saved since.

    Each save bumps the domain's generation (forget_consumer). An entry is stored with the generation read
    *before* its row, and used only while that generation is current: a call that read the row just before
    a save committed stores an entry that is stale on arrival, instead of serving the old row for a minute."""
    key, generation_key = _consumer_key(domain), _generation_key(domain)
    try:
        found = cache.get_many([key, generation_key])
    except Exception:  # a cache outage costs a query, never a refusal
        logger.warning("cache unavailable: the API consumer is read from the database")
        found = None
    generation = (found or {}).get(generation_key, 0)
    cached = (found or {}).get(key)
    if isinstance(cached, dict) and cached.get("generation") == generation:
        row = cached.get("row")
        if row is None:
            return None
        if isinstance(row, dict) and set(row) == set(_CONSUMER_FIELDS):
            return _consumer_from(row)
    row = ApiConsumer.objects.filter(camdigikey_domain=domain).values(*_CONSUMER_FIELDS).first()
    if found is not None:
        try:
            cache.set(key, {"generation": generation, "row": row}, CONSUMER_TTL)
        except Exception:
            logger.warning("cache unavailable: the API consumer is not cached")
    return _consumer_from(row) if row is not None else None


def _consumer_from(values: dict) -> ApiConsumer:
    consumer = ApiConsumer(**values)
    consumer._state.adding = False
    consumer._state.db = "default"
    return consumer


def forget_consumer(domain: str) -> None:
    """Drop the cached row of a domain's consumer and bump its generation (its row was saved or deleted):
    an entry written by a call that read the row before the save is never used."""
    generation_key = _generation_key(domain)
    try:
        cache.delete(_consumer_key(domain))
        if not cache.add(generation_key, 1, timeout=None):
            cache.incr(generation_key)
        door_cache.bump()  # and every process's own copy (camdx_api.door_cache)
    except Exception:
        logger.warning("cache unavailable: a cached API consumer could not be dropped")


@transaction.atomic
def register_consumer(
    *,
    camdigikey_domain: str,
    name_en: str,
    name_km: str,
    allowed_service_codes: Iterable[str],
    rate_limit_per_minute: int = 60,
    xroad_client: str = "",
    institution=None,
    is_active: bool = True,
    actor_id: int | None = None,
) -> ApiConsumer:
    """Register another institution's system, or update the registration of its domain (idempotent: the
    same values change nothing and record nothing). Validated like the back-office form (ValidationError);
    every change is in the audit trail."""
    domain = (camdigikey_domain or "").strip().lower()
    consumer = ApiConsumer.objects.select_for_update().filter(camdigikey_domain=domain).first()
    created = consumer is None
    if created:
        consumer = ApiConsumer(camdigikey_domain=domain)
    before = None if created else audit.snapshot(consumer)
    consumer.name_en = name_en
    consumer.name_km = name_km
    consumer.allowed_service_codes = list(allowed_service_codes)
    consumer.rate_limit_per_minute = rate_limit_per_minute
    consumer.xroad_client = xroad_client or ""
    consumer.institution = institution
    consumer.is_active = is_active
    consumer.full_clean()  # normalises too (domain case, sorted codes)
    after = audit.snapshot(consumer)
    if not created:
        before, after = audit.changed_fields(before, after)
        if not before and not after:
            return consumer
    consumer.save()
    audit.record(
        "camdx_api.consumer_registered" if created else "camdx_api.consumer_changed",
        consumer,
        before=before,
        after=after,
        actor_id=actor_id,
    )
    return consumer


# --- the call log ------------------------------------------------------------------------------------------


def record_call(
    *,
    consumer: ApiConsumer | None,
    service_code: str,
    method: str,
    path: str,
    status_code: int,
    duration_ms: int,
    outcome: str = "",
    xroad: XRoadHeaders | None = None,
    ip: str | None = None,
    accesses: Iterable[calllog.Access] = (),
) -> int | None:
    """Append one row to the call log (the path without its query string: query values may be personal)
    and, in the same statement, the data-access lines of what the answer disclosed (`disclosures()`).

    A caller without a valid token that keeps calling once the refused-token limit stopped it gets one
    `rate_limited` row per address (and X-Road member) and minute, not one per call: those calls cost no
    CamDigiKey check, and must not cost a row each either (a flood would fill the log). Returns the id of
    the row, None for a call not written."""
    xroad = xroad or XRoadHeaders()
    if (
        consumer is None
        and outcome == errors.RateLimited.reason
        and not _first_throttled_in_minute(ip, xroad)
    ):
        return None
    call_id, _written = calllog.write(
        consumer_id=consumer.pk if consumer is not None else None,
        service_code=service_code,
        method=method,
        path=path,
        status_code=status_code,
        duration_ms=duration_ms,
        outcome=outcome,
        ip=ip,
        xroad=xroad,
        request_id=request_context.current().request_id,
        accessor_label=consumer.name_en if consumer is not None else "",
        accessor_label_km=consumer.name_km if consumer is not None else "",
        accesses=accesses,
    )
    return call_id


def _first_throttled_in_minute(ip: str | None, xroad: XRoadHeaders) -> bool:
    who = hashlib.sha256(f"{ip}|{xroad_member(xroad.client)}".encode()).hexdigest()[:32]
    try:
        return bool(cache.add(f"camdx-api:throttled-logged:{who}:{int(time.time() // 60)}", 1, timeout=90))
    except Exception:  # without the cache, every call is logged
        return True


# --- the disclosure log ------------------------------------------------------------------------------------

WHAT_APPLICATION = gettext_noop("your application")
WHAT_PERSONAL_DATA = gettext_noop("your personal data")


def disclosures(*, applications: Iterable = (), people: Iterable = ()) -> list[calllog.Access]:
    """The data-access lines telling the people concerned that the calling organization read their data:
    one per application (its applicant and business, its reference) and one per person (a user); written
    with the call's log line by `record_call`.

    `applications` are objects with `applicant_id`, `business_id` and `reference` (applications.Application);
    `people` are users."""
    entries = [
        calllog.Access(
            what=WHAT_APPLICATION,
            subject_user_id=getattr(application, "applicant_id", None),
            subject_business_id=getattr(application, "business_id", None),
            object_ref=getattr(application, "reference", "") or "",
        )
        for application in applications
    ]
    entries += [
        calllog.Access(what=WHAT_PERSONAL_DATA, subject_user_id=person.pk)
        for person in people
        if getattr(person, "pk", None)
    ]
    return entries
