"""Back-office for the base registries, institutions and reference data.

Every admin derives from `AuditedModelAdmin`, so each add, change and delete is audited. Lists are built for a
million rows: no full counts, newest first on the primary key, related rows selected in the same query, and
searches that hit the trigram, Single ID or keyed-hash indexes.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.widgets import UnfoldAdminSingleDateWidget, UnfoldAdminTextInputWidget

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin
from esb.crypto import lookup_hash
from esb.fields import EncryptedDateField, EncryptedTextField
from registry.models import (
    AdministrativeUnit,
    Business,
    BusinessActivity,
    BusinessRole,
    Country,
    Department,
    Institution,
    IsicActivity,
    Person,
    Property,
)
from registry.text import normalize_single_id

ADDRESS_FIELDSET_FIELDS = (
    "village",
    "commune",
    "district",
    "province",
    "house_number",
    "street_name",
    "group_name",
    ("latitude", "longitude"),
)
ADDRESS_DESCRIPTION = _(
    "Choose the village: the commune, district and province are filled in from it when left empty."
)
ADDRESS_AUTOCOMPLETE = ("province", "district", "commune", "village")


class EstimatedCountPaginator(Paginator):
    """Counting a million rows on every page view is wasted work. Above EXACT_BELOW rows the list shows the
    planner's estimate (table statistics for an unfiltered list, EXPLAIN for a filtered one); a smaller
    result is counted exactly."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            estimate = self._estimate(queryset)
            if estimate is not None and estimate >= self.EXACT_BELOW:
                return estimate
        return super().count

    @staticmethod
    def _estimate(queryset: QuerySet) -> int | None:
        with connection.cursor() as cursor:
            if not queryset.query.where:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
                return int(row[0]) if row and row[0] and row[0] > 0 else None
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])


class LargeTableAdmin(AuditedModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-pk",)
    formfield_overrides = {
        # Encrypted values are short identifiers: a one-line input, not a textarea.
        EncryptedTextField: {"widget": UnfoldAdminTextInputWidget},
        EncryptedDateField: {"widget": UnfoldAdminSingleDateWidget},
    }


class ReadMostlyAdmin(AuditedModelAdmin):
    """Reference data: loaded by `load_reference_data`, corrected here at most, never deleted."""

    list_per_page = 100
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- reference data -------------------------------------------------------------------------------------


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ReadMostlyAdmin):
    list_display = ("code", "name_km", "name_en", "type_en", "level", "parent")
    list_filter = ("level",)
    # Typing the commune's (or district's) name lists its villages (or communes).
    search_fields = (
        "code__startswith",
        "name_km",
        "name_en",
        "name_en_ncdd",
        "parent__name_km",
        "parent__name_en",
    )
    search_help_text = _("Search by code, or by the name of the unit or of the unit above it.")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    ordering = ("code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # str(unit) names the two units above it (also in autocomplete results, which use this queryset).
        return super().get_queryset(request).select_related("parent__parent__parent")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IsicActivity)
class IsicActivityAdmin(ReadMostlyAdmin):
    list_display = ("code", "title_en", "title_km", "level", "section")
    list_filter = ("level", "section")
    search_fields = ("code__startswith", "title_en", "title_km")
    raw_id_fields = ("parent",)
    ordering = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Country)
class CountryAdmin(ReadMostlyAdmin):
    list_display = ("alpha2", "alpha3", "numeric", "name_en", "name_km", "nationality_en")
    search_fields = ("alpha2__iexact", "alpha3__iexact", "name_en", "name_km", "nationality_en")
    ordering = ("name_en",)


# --- institutions -------------------------------------------------------------------------------------------


class DepartmentInline(TabularInline):
    model = Department
    extra = 0
    fields = ("code", "name_km", "name_en", "is_active")


@admin.register(Institution)
class InstitutionAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_institution_path = "pk"
    list_display = ("code", "name_km", "name_en", "camdx_member_code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_km", "name_en", "abbreviation_en")
    inlines = [DepartmentInline]


# --- people -------------------------------------------------------------------------------------------------


def _hash_matches(queryset: QuerySet, term: str, *fields: str) -> QuerySet | None:
    """Rows whose keyed hash equals the hash of the typed term (identity or phone number)."""
    digest = lookup_hash(term)
    if not digest or not any(ch.isdigit() for ch in term):
        return None
    condition = Q()
    for field in fields:
        condition |= Q(**{field: digest})
    return queryset.filter(condition)


@admin.register(Person)
class PersonAdmin(LargeTableAdmin):
    list_display = (
        "full_name_km_column",
        "full_name_en_column",
        "gender",
        "nationality",
        "identity_document_type",
        "masked_identity_column",
        "masked_phone_column",
    )
    list_filter = ("gender", "identity_document_type", ("nationality", RelatedDropdownFilter))
    # Each word must match one of the names (trigram indexes); get_search_results adds the ID/phone lookup.
    search_fields = ("last_name_km", "first_name_km", "last_name_en", "first_name_en")
    search_help_text = _("Search by name (Khmer or Latin), or type a full ID, passport or phone number.")
    list_select_related = ("nationality",)
    autocomplete_fields = ("nationality", *ADDRESS_AUTOCOMPLETE)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (_("Name"), {"fields": (("last_name_km", "first_name_km"), ("last_name_en", "first_name_en"))}),
        (
            _("Identity"),
            {
                "fields": (
                    "gender",
                    "nationality",
                    "identity_document_type",
                    "identity_number",
                    "date_of_birth",
                ),
                "description": _("The identity number, phone and date of birth are stored encrypted."),
            },
        ),
        (_("Contact"), {"fields": ("phone", "email")}),
        (_("Address"), {"fields": ADDRESS_FIELDSET_FIELDS, "description": ADDRESS_DESCRIPTION}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        by_hash = _hash_matches(queryset, search_term.strip(), "identity_number_hash", "phone_hash")
        if by_hash is not None:
            results = results | by_hash
        return results, may_have_duplicates

    @admin.display(description=_("name (Khmer)"))
    def full_name_km_column(self, obj: Person) -> str:
        return obj.full_name_km

    @admin.display(description=_("name (Latin)"))
    def full_name_en_column(self, obj: Person) -> str:
        return obj.full_name_en

    @admin.display(description=_("ID number"))
    def masked_identity_column(self, obj: Person) -> str:
        return obj.masked_identity_number

    @admin.display(description=_("phone"))
    def masked_phone_column(self, obj: Person) -> str:
        return obj.masked_phone


# --- businesses ---------------------------------------------------------------------------------------------


class BusinessActivityFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        primaries, seen = 0, set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            activity = data.get("activity")
            if activity is not None and activity.pk in seen:
                raise ValidationError(_("Each activity can be listed only once."))
            if activity is not None:
                seen.add(activity.pk)
            primaries += bool(data.get("is_primary"))
        if primaries > 1:
            raise ValidationError(_("A business has only one primary activity."))


class BusinessRoleFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        active = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("until") or data.get("person") is None:
                continue
            key = (data["person"].pk, data.get("role"))
            if key in active:
                raise ValidationError(_("The same person is listed twice with the same active role."))
            active.add(key)


class BusinessActivityInline(TabularInline):
    model = BusinessActivity
    formset = BusinessActivityFormSet
    extra = 0
    autocomplete_fields = ("activity",)
    fields = ("activity", "is_primary")


class BusinessRoleInline(TabularInline):
    model = BusinessRole
    formset = BusinessRoleFormSet
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("person", "role", "since", "until")


@admin.register(Business)
class BusinessAdmin(LargeTableAdmin):
    list_display = (
        "single_id",
        "name_km",
        "name_en",
        "legal_form",
        "status",
        "province",
        "registration_date",
    )
    list_filter = (
        "status",
        "legal_form",
        "registered_via_obr",
        ("province", RelatedDropdownFilter),
    )
    # `single_id__exact` (not `=single_id`, which is case-insensitive) keeps the unique index usable.
    search_fields = ("single_id__exact", "name_km", "name_en")
    search_help_text = _("Search by Single ID or by name in Khmer or English.")
    list_select_related = ("province",)
    autocomplete_fields = ADDRESS_AUTOCOMPLETE
    readonly_fields = ("created_at", "updated_at")
    inlines = [BusinessActivityInline, BusinessRoleInline]
    fieldsets = (
        (
            None,
            {"fields": ("single_id", ("name_km", "name_en"), "legal_form", "status", "registration_date")},
        ),
        (_("Contact"), {"fields": ("email", "phone")}),
        (
            _("Employees"),
            {
                "fields": (
                    ("total_employees", "female_employees"),
                    ("foreign_employees", "foreign_female_employees"),
                )
            },
        ),
        (_("Online Business Registration"), {"fields": ("registered_via_obr", "use_obr_business_address")}),
        (_("Address"), {"fields": ADDRESS_FIELDSET_FIELDS, "description": ADDRESS_DESCRIPTION}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        single_id = normalize_single_id(search_term)
        if single_id and single_id != search_term.strip() and any(ch.isdigit() for ch in single_id):
            # Khmer digits or spaces typed in a Single ID.
            results = results | queryset.filter(single_id=single_id)
        return results, may_have_duplicates


# --- property -----------------------------------------------------------------------------------------------


@admin.register(Property)
class PropertyAdmin(LargeTableAdmin):
    list_display = ("title_number", "property_type", "area_sqm", "owner", "owner_business", "province")
    list_filter = ("property_type", ("province", RelatedDropdownFilter))
    search_fields = ("title_number__istartswith",)
    list_select_related = ("owner", "owner__nationality", "owner_business", "province")
    autocomplete_fields = ("owner", "owner_business", *ADDRESS_AUTOCOMPLETE)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title_number", "property_type", "area_sqm")}),
        (
            _("Owner"),
            {"fields": ("owner", "owner_business"), "description": _("Exactly one: a person or a business.")},
        ),
        (_("Address"), {"fields": ADDRESS_FIELDSET_FIELDS, "description": ADDRESS_DESCRIPTION}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
