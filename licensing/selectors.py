"""Reads of the service catalog: the published form and workflow of a service, the public catalog."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from esb.compiled import CompiledQuery
from esb.ids import parse_id
from licensing.models import (
    DefinitionStatus,
    DocumentRequirement,
    FormDefinition,
    FormField,
    FormStep,
    LicenceService,
    LicenceType,
    Sector,
    WorkflowDefinition,
    WorkflowStep,
)
from licensing.models.catalog import english_search_vector

# Below this length a term is matched by substring only: similarity on two or three letters finds noise.
MIN_FUZZY_LENGTH = 4
# pg_trgm's default word similarity (0.6) misses a Khmer word with one vowel sign left out (~0.55): Khmer
# syllables are several code points, so one slip changes more trigrams than in a Latin word.
KHMER_SIMILARITY = 0.5


def published_form(licence_type: LicenceType | int) -> FormDefinition | None:
    """The published form version with its steps and fields in order (None if none is published)."""
    return (
        FormDefinition.objects.filter(licence_type=licence_type, status=DefinitionStatus.PUBLISHED)
        .select_related("licence_type")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=FormStep.objects.order_by("order", "id").prefetch_related(
                    Prefetch("fields", queryset=FormField.objects.order_by("order", "id"))
                ),
            )
        )
        .first()
    )


def published_workflow(licence_type: LicenceType | int) -> WorkflowDefinition | None:
    """The published workflow version with its steps (role, department, checklist) in order."""
    return (
        WorkflowDefinition.objects.filter(licence_type=licence_type, status=DefinitionStatus.PUBLISHED)
        .select_related("licence_type")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=WorkflowStep.objects.order_by("order", "id")
                .select_related("role", "department")
                .prefetch_related("checklist_items"),
            )
        )
        .first()
    )


def published_workflow_id(licence_type: LicenceType | int) -> int | None:
    """The id of the published workflow version (one indexed query: what a submission pins)."""
    licence_type_id = licence_type if isinstance(licence_type, int) else licence_type.pk
    found = _PUBLISHED_WORKFLOW.rows(licence_type_id)
    return found[0][0] if found else None


# Read by every first submission: compiled once per process (esb.compiled).
_PUBLISHED_WORKFLOW = CompiledQuery(
    lambda licence_type_id: (
        WorkflowDefinition.objects.filter(licence_type_id=licence_type_id, status=DefinitionStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)[:1]
    )
)


def catalog_services(
    search: str | None = None,
    institution=None,
    sector=None,
    *,
    applicable_only: bool = True,
) -> QuerySet[LicenceType]:
    """Active licence types for the public catalog, searched in Khmer and English.

    `institution` and `sector` accept an instance, a primary key or a code. With `applicable_only` (the
    default) a service is listed only once it has both a published form and a published workflow, so an
    applicant never finds a service they cannot apply for.
    """
    queryset = (
        LicenceType.objects.filter(is_active=True)
        .select_related("institution", "department", "sector")
        .prefetch_related(
            Prefetch("services", queryset=LicenceService.objects.filter(is_active=True)),
            Prefetch(
                "document_requirements",
                queryset=DocumentRequirement.objects.select_related("document_type"),
            ),
        )
    )
    if institution is not None and institution != "":
        queryset = queryset.filter(_by_code_or_pk("institution", institution))
    if sector is not None and sector != "":
        queryset = queryset.filter(_by_code_or_pk("sector", sector))
    terms = (search or "").split()
    if terms:
        queryset = queryset.annotate(search_en=english_search_vector())
    for index, term in enumerate(terms[:10]):
        similarity = None
        if len(term) >= MIN_FUZZY_LENGTH:
            similarity = f"similar_km_{index}"
            queryset = queryset.annotate(**{similarity: TrigramWordSimilarity(term, "name_km")})
        queryset = queryset.filter(_term_matches(term, similarity))
    if applicable_only:
        published = {"licence_type": OuterRef("pk"), "status": DefinitionStatus.PUBLISHED}
        queryset = queryset.filter(
            Exists(FormDefinition.objects.filter(**published)),
            Exists(WorkflowDefinition.objects.filter(**published)),
        )
    return queryset.order_by("institution__code", "sort_order", "code")


def _term_matches(term: str, similarity: str | None) -> Q:
    """One search word: English by stemmed full-text search ("Handicrafts" finds "Handicraft", "hotels"
    finds "hotel"), Khmer (written without spaces between words) by substring and trigram similarity, and
    codes and institution names by substring in either language."""
    matches = (
        Q(search_en=SearchQuery(term, config="english", search_type="plain"))
        | Q(code__icontains=term)
        | Q(name_km__icontains=term)
        | Q(name_en__icontains=term)
        | Q(description_km__icontains=term)
        | Q(description_en__icontains=term)
        | Q(institution__name_km__icontains=term)
        | Q(institution__name_en__icontains=term)
    )
    if similarity:
        matches |= Q(**{f"{similarity}__gte": KHMER_SIMILARITY})
    return matches


def _by_code_or_pk(relation: str, value) -> Q:
    if hasattr(value, "pk"):
        return Q(**{relation: value.pk})
    pk = parse_id(value)
    if pk is not None:
        return Q(**{f"{relation}_id": pk})
    return Q(**{f"{relation}__code__iexact": str(value)})


def licence_type_by_code(code: str) -> LicenceType | None:
    return LicenceType.objects.select_related("institution", "sector").filter(code=code).first()


def sectors() -> QuerySet[Sector]:
    return Sector.objects.all()


@dataclass(frozen=True)
class DefinitionVersions:
    forms: list[FormDefinition]
    workflows: list[WorkflowDefinition]


def definition_versions(licence_type: LicenceType | int) -> DefinitionVersions:
    """Every form and workflow version of a licence type, newest first."""
    return DefinitionVersions(
        forms=list(
            FormDefinition.objects.filter(licence_type=licence_type)
            .select_related("published_by")
            .order_by("-version")
        ),
        workflows=list(
            WorkflowDefinition.objects.filter(licence_type=licence_type)
            .select_related("published_by")
            .order_by("-version")
        ),
    )


def catalog_service(code: str) -> LicenceType | None:
    """One service of the public catalog by its code, or None when it is unknown, inactive or cannot be
    applied for yet (the same rule as `catalog_services`, so a page never shows what the list hides)."""
    return catalog_services().filter(code=code).first()


def catalog_institutions() -> QuerySet:
    """Institutions that have at least one service in the public catalog (the catalog's filter choices)."""
    from registry.models import Institution

    listed = catalog_services().prefetch_related(None).order_by().values("institution_id")
    return Institution.objects.filter(pk__in=listed).order_by("code")
