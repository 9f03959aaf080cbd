"""Reads from the base registries and reference data.

Lookups are built to stay fast with a million businesses (see bench/registry_lookups.py and docs/registry.md):
- Single ID: unique b-tree index.
- identity number: keyed hash (never decrypts), b-tree index on the hash, then the person → role index.
- names: GIN trigram indexes on UPPER(name) serve substring (ILIKE) and similarity search in both scripts;
  candidates are capped before ranking so a broad query never sorts a large result.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest, Upper
from django.utils import timezone

from esb.compiled import CompiledQuery
from esb.crypto import lookup_hash
from esb.i18n import is_khmer
from registry.models import (
    ADDRESS_RELATED,
    AdministrativeUnit,
    Business,
    BusinessRole,
    Country,
    IsicActivity,
    Person,
)
from registry.text import clean_name, normalize_single_id

# How many substring matches are ranked by similarity. A query precise enough to match fewer names gets them
# all, best (an exact name) first; a broader one gets a ranked sample, at the same cost.
SEARCH_CANDIDATES = 200
MIN_QUERY_LENGTH = 2
FUZZY_THRESHOLDS = ("0.7", "0.5")
# Values of settings that may not exist yet in a session (pg_trgm's are defined when it is first used).
_DEFAULTS = {"pg_trgm.word_similarity_threshold": "0.6"}


def active_role_q(prefix: str = "", on: datetime.date | None = None) -> Q:
    """Roles in force on a day (today by default): `until` empty or not yet past."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": on})


def _one(queryset):
    """The row of a lookup on a unique key, or None. Unlike `.first()` it adds no ORDER BY (compiling one
    costs more than the indexed query itself)."""
    return next(iter(queryset.order_by()[:1]), None)


def business_by_single_id(single_id: str) -> Business | None:
    normalized = normalize_single_id(single_id)
    if not normalized:
        return None
    return _one(Business.objects.select_related(*ADDRESS_RELATED).filter(single_id=normalized))


def person_by_identity(document_type: str, number: str) -> Person | None:
    """The person holding this identity document, matched through the keyed hash (spaces, dashes, Khmer
    digits and letter case do not matter)."""
    digest = lookup_hash(number)
    if not digest or document_type not in Person.DocumentType.values:
        return None
    return _one(
        Person.objects.select_related("nationality", *ADDRESS_RELATED).filter(
            identity_document_type=document_type, identity_number_hash=digest
        )
    )


def businesses_for_person(identity_number: str, roles: list[str] | None = None) -> QuerySet[Business]:
    """Businesses in which the holder of this identity number (any document type) has an active role."""
    digest = lookup_hash(identity_number)
    if not digest:
        return Business.objects.none()
    # Start from the person's roles (hash index → role.person index), then fetch those businesses by pk.
    business_ids = BusinessRole.objects.filter(active_role_q(), person__identity_number_hash=digest)
    if roles:
        business_ids = business_ids.filter(role__in=roles)
    return Business.objects.filter(pk__in=business_ids.values("business_id")).order_by("pk")


def first_businesses_for_person(identity_number: str, limit: int) -> list[Business]:
    """The first `limit` businesses (by id) of `businesses_for_person`, with the statement compiled once per
    process (esb.compiled): the header reads them on every page."""
    digest = lookup_hash(identity_number)
    if not digest:
        return []
    query = _FIRST_BUSINESSES.get(limit)
    if query is None:
        query = _FIRST_BUSINESSES.setdefault(
            limit,
            CompiledQuery(
                lambda digest, day: businesses_for_person_digest(digest, day).order_by("pk")[:limit]
            ),
        )
    return query.objects(digest, timezone.localdate())


def businesses_for_person_digest(digest: str, day: datetime.date) -> QuerySet[Business]:
    roles = BusinessRole.objects.filter(active_role_q(on=day), person__identity_number_hash=digest)
    return Business.objects.filter(pk__in=roles.values("business_id"))


_FIRST_BUSINESSES: dict[int, CompiledQuery] = {}


def people_of_business(business: Business, roles: list[str] | None = None) -> QuerySet[BusinessRole]:
    """The active roles of a business with their people (owners first)."""
    qs = BusinessRole.objects.filter(active_role_q(), business=business).select_related(
        "person", "person__nationality", *(f"person__{level}" for level in ADDRESS_RELATED)
    )
    if roles:
        qs = qs.filter(role__in=roles)
    return qs.order_by("role", "since", "pk")


@contextmanager
def _planner(**settings: str):
    """Set PostgreSQL parameters for the queries inside the block only, then put the previous values back
    (SET LOCAL alone would last until the end of a caller's transaction). Two round trips in, one out."""
    names = list(settings)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["current_setting(%s, true)"] * len(names)), names)
        previous = [
            value or _DEFAULTS.get(name) for name, value in zip(names, cursor.fetchone(), strict=True)
        ]
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
            [item for pair in settings.items() for item in pair],
        )
        try:
            yield
        finally:
            restore = [
                (name, value) for name, value in zip(names, previous, strict=True) if value is not None
            ]
            if restore:
                cursor.execute(
                    "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(restore)),
                    [item for pair in restore for item in pair],
                )


def search_businesses(query: str, limit: int = 20) -> list[Business]:
    """Businesses whose Single ID equals the query, or whose Khmer or English name contains it, or, when no
    name contains it, whose name has a part resembling it (typos, other spellings); best matches first.

    At most SEARCH_CANDIDATES matches are ranked, so a broad query (one common word) costs no more than a
    precise one; its first page is then a sample of the matches, ranked, rather than the global best.
    """
    text = clean_name(query)
    limit = max(1, min(limit, 100))
    if len(text) < MIN_QUERY_LENGTH:
        return []
    found: list[Business] = []
    base = Business.objects.select_related("province")
    single_id = normalize_single_id(text)
    if any(ch.isdigit() for ch in single_id):
        found.extend(base.filter(single_id=single_id))

    upper = text.upper()
    # The planner cannot estimate how many names match a pattern; under LIMIT it may bet on a sequential scan
    # that then reads the whole table for a rare name. The trigram indexes are always the better bet here.
    with _planner(enable_seqscan="off", **{"pg_trgm.word_similarity_threshold": FUZZY_THRESHOLDS[0]}):
        contains = Business.objects.filter(Q(name_en__icontains=text) | Q(name_km__icontains=text)).values(
            "pk"
        )
        similarity = Greatest(
            TrigramSimilarity(Upper("name_en"), Value(upper)),
            TrigramSimilarity(Upper("name_km"), Value(upper)),
        )
        ranked = list(
            base.filter(pk__in=contains[:SEARCH_CANDIDATES])
            .annotate(score=similarity)
            .order_by("-score", "pk")[:limit]
        )
        if not ranked and len(text) >= 3:
            # Word similarity compares the query with the best-matching stretch of each name, so a few words
            # typed with a slip still find a long name (plain similarity dilutes them over the whole name).
            # A strict threshold first keeps the candidates few and relevant (one slip scores 0.75-0.9); a
            # looser one then catches several slips.
            resembles = (
                Business.objects.annotate(uname_en=Upper("name_en"), uname_km=Upper("name_km"))
                .filter(Q(uname_en__trigram_word_similar=upper) | Q(uname_km__trigram_word_similar=upper))
                .values("pk")
            )
            word_similarity = Greatest(
                TrigramWordSimilarity(Value(upper), Upper("name_en")),
                TrigramWordSimilarity(Value(upper), Upper("name_km")),
            )
            for threshold in FUZZY_THRESHOLDS:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [threshold]
                    )
                ranked = list(
                    base.filter(pk__in=resembles[:SEARCH_CANDIDATES])
                    .annotate(score=word_similarity)
                    .order_by("-score", "pk")[:limit]
                )
                if ranked:
                    break
    seen = {b.pk for b in found}
    found.extend(b for b in ranked if b.pk not in seen)
    return found[:limit]


def search_people(query: str, limit: int = 20) -> list[Person]:
    """People by identity number or phone (exact, through the hashes) or by name in either script."""
    text = clean_name(query)
    limit = max(1, min(limit, 100))
    if len(text) < MIN_QUERY_LENGTH:
        return []
    base = Person.objects.select_related("nationality")
    digest = lookup_hash(text)
    found = list(base.filter(Q(identity_number_hash=digest) | Q(phone_hash=digest))[:limit]) if digest else []
    if len(found) >= limit:
        return found
    seen = {p.pk for p in found}
    by_name = Q()
    for word in text.split():
        by_name &= (
            Q(last_name_km__icontains=word)
            | Q(first_name_km__icontains=word)
            | Q(last_name_en__icontains=word)
            | Q(first_name_en__icontains=word)
        )
    for person in base.filter(by_name).order_by("pk")[: limit * 2]:
        if person.pk not in seen and len(found) < limit:
            found.append(person)
    return found


def units_under(parent_code: str | None = None, level: str | None = None) -> QuerySet[AdministrativeUnit]:
    """Administrative units for cascading address pickers.

    No parent: the provinces. With a parent: its children, or with `level` its descendants at that level
    (codes nest, so this is a prefix match on the indexed code).
    """
    qs = AdministrativeUnit.objects.only("id", "code", "level", "name_km", "name_en", "type_km", "type_en")
    if not parent_code:
        return qs.filter(level=level or AdministrativeUnit.Level.PROVINCE).order_by("code")
    parent = AdministrativeUnit.objects.filter(code=parent_code).only("id", "level").first()
    if parent is None:
        return qs.none()
    if level is None:
        return qs.filter(parent=parent).order_by("code")
    return qs.filter(level=level, code__startswith=parent_code).exclude(pk=parent.pk).order_by("code")


def unit_by_code(code: str) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.select_related("parent").filter(code=code).first()


def country_choices() -> list[tuple[str, str]]:
    """(ISO alpha-2 code, name in the active language) of every country, sorted by that name, Cambodia
    first (most applicants are Cambodian: it should not be searched for among 249 names)."""
    khmer = is_khmer()
    rows = [
        (code, (name_km or name_en) if khmer else (name_en or name_km))
        for code, name_km, name_en in Country.objects.values_list("alpha2", "name_km", "name_en")
    ]
    rows.sort(key=lambda row: (row[0] != "KH", row[1].casefold()))
    return rows


def country_name(code: str) -> str | None:
    country = Country.objects.filter(alpha2=(code or "").upper()[:2]).first()
    return country.name if country else None


def isic_label(activity: IsicActivity) -> str:
    """ "4711 — title" in the active language. The ISIC data has Khmer titles for sections and divisions only
    (registry/data/SOURCES.md §2, §4): on a Khmer page a class is named by its division's Khmer title,
    followed by its own English title, so a Khmer reader sees Khmer first and the exact class after."""
    if not is_khmer() or activity.title_km:
        return f"{activity.code} — {activity.title}"
    ancestor = activity.parent
    while ancestor is not None and not ancestor.title_km:
        ancestor = ancestor.parent
    if ancestor is None:
        return f"{activity.code} — {activity.title_en}"
    return f"{activity.code} — {ancestor.title_km}: {activity.title_en}"


def isic_by_code(code: str) -> IsicActivity | None:
    """One activity with the ancestors `isic_label` reads (class → group → division → section)."""
    return IsicActivity.objects.select_related("parent__parent__parent").filter(code=code).first()


def search_isic(
    query: str, limit: int = 20, level: str | None = IsicActivity.Level.CLASS
) -> list[IsicActivity]:
    """ISIC activities by code prefix or by words of the English or Khmer title (766 rows: no index).

    Khmer words also match the Khmer titles of the group and division above a class (classes have none).
    Each result carries `label`, its name for the active language (`isic_label`)."""
    text = clean_name(query)
    if not text:
        return []
    qs = IsicActivity.objects.select_related("parent__parent__parent")
    if level:
        qs = qs.filter(level=level)
    found = list(qs.filter(code__istartswith=text).order_by("code")[:limit])
    if not found:
        by_title = Q()
        for word in text.split():
            by_title &= (
                Q(title_en__icontains=word)
                | Q(title_km__icontains=word)
                | Q(parent__title_km__icontains=word)
                | Q(parent__parent__title_km__icontains=word)
            )
        found = list(qs.filter(by_title).order_by("code")[:limit])
    for activity in found:
        activity.label = isic_label(activity)
    return found


def owner_statistics(nationality_code: str | None = None) -> list[dict]:
    """Part 5 `owner_statistic`: people holding an active OWNER role, by nationality and gender."""
    owners = Person.objects.filter(
        Exists(
            BusinessRole.objects.filter(active_role_q(), person=OuterRef("pk"), role=BusinessRole.Role.OWNER)
        )
    )
    if nationality_code:
        owners = owners.filter(nationality_id=nationality_code.upper())
    rows = (
        owners.values("nationality_id")
        .annotate(
            female=Count("pk", filter=Q(gender=Person.Gender.FEMALE)),
            male=Count("pk", filter=Q(gender=Person.Gender.MALE)),
            total=Count("pk"),
        )
        .order_by("nationality_id")
    )
    return [
        {
            "nationality_code": row["nationality_id"] or "",
            "number_of_female_biz_owner": row["female"],
            "number_of_male_biz_owner": row["male"],
            "total_number_of_owner": row["total"],
        }
        for row in rows
    ]


def business_part5(business: Business) -> dict:
    """Part 5 `company_data` for a business (select its address units first when serialising many)."""
    return {
        "single_id": business.single_id,
        "company_name_en": business.name_en,
        "company_name_kh": business.name_km,
        "company_email": business.email,
        "company_phone_number": business.phone,
        "total_number_of_employee": business.total_employees,
        "total_number_of_female_employees": business.female_employees,
        "number_of_foreign_employees": business.foreign_employees,
        "number_of_foreign_female_employees": business.foreign_female_employees,
        "current_address": business.address_part5(),
        "is_register_via_obr": business.registered_via_obr,
        "use_obr_business_address": business.use_obr_business_address,
    }


def person_part5(person: Person) -> dict:
    """Part 5 `biz_owner_data` for a person (decrypts the identity number, phone and date of birth)."""
    nationality = person.nationality
    return {
        "first_name_en": person.first_name_en,
        "first_name_kh": person.first_name_km,
        "last_name_en": person.last_name_en,
        "last_name_kh": person.last_name_km,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "gender": person.gender,
        "phone_number": person.phone,
        "email": person.email,
        "nationality_code": nationality.alpha2 if nationality else "",
        "nationality_name_en": nationality.name_en if nationality else "",
        "nationality_name_kh": nationality.name_km if nationality else "",
        "identity_code": person.identity_number,
        "current_address": person.address_part5(),
    }
