"""The conditions of a report: what the builder's form accepts, as a plain dict that a saved definition and a
run keep in JSON. `ReportForm` offers only what lies in the officer's scope (institutions, departments,
services, officers), and refuses anything else with a message in the officer's language; the selector
applies the scope again whatever the conditions say, so a forged or stale definition can never widen it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import OfficerAssignment, User
from accounts.selectors import officer_scope, scope_queryset
from applications.models import Status
from licensing.models import LicenceService, LicenceType
from payments.models import Method
from payments.models import Status as PaymentStatus
from registry.models import AdministrativeUnit, Department, Institution, IsicActivity
from reports.models import Format, Shape

# The longest period one report may cover (a year-long report is the documented use; five years still runs).
MAX_DAYS = 5 * 366


class DateField(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DECIDED = "decided", _("Decided")
    MODIFIED = "modified", _("Last modified")


class GroupBy(models.TextChoices):
    SERVICE = "service", _("Service")
    STATUS = "status", _("Status")
    INSTITUTION = "institution", _("Institution")
    DEPARTMENT = "department", _("Department")
    PROVINCE = "province", _("Province")
    MONTH = "month", _("Month")
    OFFICER = "officer", _("Officer")
    PAYMENT_METHOD = "payment_method", _("Payment method")
    SECTOR = "sector", _("Sector (ISIC section)")
    REQUEST_KIND = "request_kind", _("Request kind")


class Overdue(models.TextChoices):
    ANY = "", _("Any")
    YES = "yes", _("Overdue")
    NO = "no", _("Not overdue")


NO_PAYMENT = "NONE"
ANY = ("", pgettext_lazy("report condition", "Any"))
# Every field of the form, in the order a definition stores them.
FIELDS = (
    "shape",
    "group_by",
    "date_field",
    "date_from",
    "date_to",
    "institution",
    "department",
    "service",
    "request_kind",
    "status",
    "payment_status",
    "payment_method",
    "province",
    "district",
    "sector",
    "officer",
    "overdue",
)
_DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "rv-input"}, format="%Y-%m-%d")


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "rv-input"})


class ReportForm(forms.Form):
    # Not required: left out (an old bookmark, a hand-made address), each takes its default in clean().
    shape = forms.ChoiceField(
        label=_("Report"), choices=Shape.choices, initial=Shape.SUMMARY, required=False, widget=_select()
    )
    group_by = forms.ChoiceField(
        label=_("Group by"),
        choices=GroupBy.choices,
        initial=GroupBy.SERVICE,
        required=False,
        widget=_select(),
    )
    date_field = forms.ChoiceField(
        label=_("Period by date"),
        choices=DateField.choices,
        initial=DateField.SUBMITTED,
        required=False,
        widget=_select(),
    )
    date_from = forms.DateField(label=_("From"), widget=_DATE_INPUT, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    date_to = forms.DateField(label=_("To"), widget=_DATE_INPUT, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    service = forms.TypedChoiceField(label=_("Service"), coerce=int, required=False, empty_value=None)
    request_kind = forms.ChoiceField(
        label=_("Request kind"), choices=[ANY, *LicenceService.Kind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[ANY, *[c for c in Status.choices if c[0] != Status.DRAFT]], required=False
    )
    payment_status = forms.ChoiceField(
        label=_("Payment status"),
        choices=[ANY, (NO_PAYMENT, _("No payment")), *PaymentStatus.choices],
        required=False,
    )
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=[ANY, *Method.choices], required=False
    )
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, required=False, empty_value=None)
    district = forms.TypedChoiceField(label=_("District"), coerce=int, required=False, empty_value=None)
    sector = forms.ChoiceField(label=_("Sector (ISIC section)"), required=False)
    officer = forms.TypedChoiceField(label=_("Officer"), coerce=int, required=False, empty_value=None)
    overdue = forms.ChoiceField(label=_("Overdue"), choices=Overdue.choices, required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "rv-input")
            field.widget.attrs.setdefault("data-field", name)
        self.fields["institution"].choices = [ANY, *_named(institutions_in_scope(user))]
        self.fields["department"].choices = [ANY, *_named(departments_in_scope(user))]
        self.fields["service"].choices = [ANY, *_named(services_in_scope(user))]
        units = AdministrativeUnit.objects.filter(level__in=("province", "district")).select_related("parent")
        provinces = [u for u in units if u.level == "province"]
        districts = [u for u in units if u.level == "district"]
        self.fields["province"].choices = [ANY, *[(u.pk, u.name) for u in provinces]]
        self.fields["district"].choices = [ANY, *[(u.pk, u.path_name) for u in districts]]
        sections = IsicActivity.objects.filter(level=IsicActivity.Level.SECTION)
        self.fields["sector"].choices = [ANY, *[(s.code, f"{s.code} {s.title}") for s in sections]]
        self.fields["officer"].choices = [ANY, *[(u.pk, u.display_name) for u in officers_in_scope(user)]]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("shape", "group_by", "date_field"):
            if not data.get(name) and name not in self.errors:
                data[name] = self.fields[name].initial
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end of the period must not be before its start."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("date_to", _("A report covers at most five years."))
        return data

    def conditions(self) -> dict[str, Any]:
        """The cleaned conditions as JSON-ready values (dates as ISO text, empty choices dropped)."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            out[name] = value.isoformat() if isinstance(value, datetime.date) else value
        return out


def form_data(conditions: dict[str, Any]) -> dict[str, Any]:
    """A stored definition back as form data (to re-validate it against today's scope before it runs)."""
    return {name: conditions[name] for name in FIELDS if name in conditions}


def _named(rows) -> list[tuple[int, str]]:
    return [(row.pk, row.name) for row in rows]


def institutions_in_scope(user) -> list[Institution]:
    return list(scope_queryset(Institution.objects.all(), user, "pk"))


def departments_in_scope(user) -> list[Department]:
    return list(
        scope_queryset(Department.objects.select_related("institution"), user, "institution", "pk").order_by(
            "institution__code", "code"
        )
    )


def services_in_scope(user) -> list[LicenceType]:
    return list(scope_queryset(LicenceType.objects.all(), user, "institution", "department").order_by("code"))


def officers_in_scope(user) -> list[User]:
    """Back-office users with an active assignment at an institution of the scope (all, nationally)."""
    scope = officer_scope(user)
    assignments = OfficerAssignment.objects.filter(active=True)
    if not scope.is_national:
        assignments = assignments.filter(institution_id__in=scope.institution_ids)
    return list(
        User.objects.filter(Q(pk__in=assignments.values("user_id")), is_staff=True).order_by(
            "full_name_en", "username"
        )
    )


__all__ = ["FIELDS", "DateField", "Format", "GroupBy", "Overdue", "ReportForm", "form_data"]
