"""A known dataset for reports: two institutions (A and B), three services, two businesses in two provinces
and two ISIC sections, applications with fixed dates, payments, review tasks and actions — written straight
to the tables so every figure the tests assert is known by construction (the services that normally write
them have their own tests).

Institution A, submitted between 2026-01-01 and 2026-03-31 (the `PERIOD`):
  a1 SA1 (no department) biz1 APPROVED  sub. 01-10 Sat, dec. 01-20 (7 w.d.) PAID 200,000 KHR KHQR  officer A1
  a2 SA1 renewal         biz2 REJECTED  sub. 02-05 Thu, dec. 02-09 (2 w.d.) PAID 50 USD card  officer A2, late
  a3 SA2 (department DA) biz1 REVIEWING sub. 02-15                          WAIVED  officer A1, open, overdue
  a4 SA1                 biz2 SUBMITTED sub. 03-01                          no payment  open task, not due
Outside the period: a6 (SA1, biz1, submitted 2025-12-20, decided 2026-01-05). Institution B: a5 (SB1, biz1,
APPROVED, submitted 01-15, decided 01-16, PAID 100,000 KHR KHQR, officer B). A draft of SA1 never counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.models import User
from applications.models import Application, Status
from licensing.models import LicenceService, LicenceType
from payments.models import Payment
from registry.models import (
    AdministrativeUnit,
    Business,
    BusinessActivity,
    Department,
    Institution,
    IsicActivity,
)
from review.models import ReviewAction, ReviewTask, TaskState
from tests.licensing.factories import (
    DepartmentFactory,
    InstitutionFactory,
    LicenceServiceFactory,
    LicenceTypeFactory,
    publish_valid_form,
    publish_valid_workflow,
)
from tests.registry.factories import BusinessFactory, PersonFactory, _address
from tests.review.factories import officer

ZONE = ZoneInfo("Asia/Phnom_Penh")
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-03-31"}


def at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=ZONE)


@dataclass
class Dataset:
    a: Institution
    b: Institution
    da: Department
    sa1: LicenceType
    sa2: LicenceType
    sb1: LicenceType
    biz1: Business
    biz2: Business
    applicant: User
    officer_a1: User
    officer_a2: User
    officer_b: User
    apps: dict[str, Application]

    def refs(self, qs) -> set[str]:
        ids = {app.pk: name for name, app in self.apps.items()}
        return {ids[pk] for pk in qs.values_list("pk", flat=True)}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _service(institution, code: str, department=None) -> LicenceType:
    licence_type = LicenceTypeFactory(
        code=code,
        institution=institution,
        department=department,
        name_km=f"សេវា {code}",
        name_en=f"Service {code}",
    )
    publish_valid_form(licence_type)
    publish_valid_workflow(licence_type)
    return licence_type


def _business(village: str, isic: str, name_km: str, name_en: str) -> Business:
    business = BusinessFactory(name_km=name_km, name_en=name_en)
    for field, value in _address(village).items():
        setattr(business, field, value)
    business.save()
    BusinessActivity.objects.create(
        business=business, activity=IsicActivity.objects.get(code=isic), is_primary=True
    )
    return business


def _application(
    name, licence_type, business, applicant, status, submitted, decided=None, service=None, modified=None
):
    application = Application.objects.create(
        reference=f"TST-2026-{name}",
        licence_type=licence_type,
        service=service,
        form_definition=licence_type.form_definitions.get(status="PUBLISHED"),
        applicant=applicant,
        business=business,
        status=status,
        answers={},
        fee_amount=licence_type.fee_amount,
        fee_currency=licence_type.fee_currency,
        payment_requested_at=at(submitted, 8) if submitted else None,
        submitted_at=at(submitted) if submitted else None,
        last_submitted_at=at(submitted) if submitted else None,
        decided_at=at(decided) if decided else None,
    )
    Application.objects.filter(pk=application.pk).update(
        updated_at=at(modified or decided or submitted or "2026-01-01")
    )
    application.refresh_from_db()
    return application


def _task(application, officer_user, *, state, due, completed=None, action="claim", when=None):
    step = (
        application.licence_type.workflow_definitions.get(status="PUBLISHED").steps.order_by("order").first()
    )
    task = ReviewTask.objects.create(
        application=application,
        step=step,
        state=state,
        holder=officer_user,
        reached_at=application.submitted_at,
        due_date=datetime.date.fromisoformat(due),
        completed_at=at(completed, 10) if completed else None,
    )
    if officer_user is not None:
        ReviewAction.objects.create(
            application=application,
            task=task,
            step=step,
            officer=officer_user,
            action=action,
            application_version=1,
            at=when or application.decided_at or application.submitted_at,
        )
    return task


def _pay(application, method, amount, currency, status, when):
    return Payment.objects.create(
        application=application,
        provider="test",
        method=method,
        amount=Decimal(amount),
        currency=currency,
        status=status,
        paid_at=at(when, 11) if status == "PAID" else None,
    )


@pytest.fixture
def dataset(reference_data, db) -> Dataset:
    a = InstitutionFactory(code="INSTA", name_km="ក្រសួង ក", name_en="Ministry A")
    b = InstitutionFactory(code="INSTB", name_km="ក្រសួង ខ", name_en="Ministry B")
    da = DepartmentFactory(institution=a, code="da", name_km="នាយកដ្ឋាន ក", name_en="Department A")
    sa1, sa2, sb1 = _service(a, "SA1"), _service(a, "SA2", da), _service(b, "SB1")
    renewal = LicenceServiceFactory(
        licence_type=sa1, kind=LicenceService.Kind.RENEWAL, name_km="បន្ត", name_en="Renewal"
    )
    other_province = (
        AdministrativeUnit.objects.filter(level="village")
        .exclude(code__startswith="12")
        .order_by("code")
        .first()
    )
    biz1 = _business("12010101", "4711", "ហាងលក់ទំនិញ សុខា", "Sokha Retail")
    biz2 = _business(other_province.code, "1010", "រោងចក្រ ដារ៉ា", "Dara Factory")
    owner = PersonFactory()
    applicant = User.objects.create_user(
        username="applicant-r",
        full_name_en="Sok Dara",
        full_name_km="សុខ ដារ៉ា",
        personal_code=owner.identity_number,
    )
    officer_a1 = officer("head_of_office", a, name="Officer A1")
    officer_a2 = officer("approver", a, name="Officer A2")
    officer_b = officer("head_of_office", b, name="Officer B")
    apps = {
        "a1": _application("a1", sa1, biz1, applicant, Status.APPROVED, "2026-01-10", "2026-01-20"),
        "a2": _application(
            "a2", sa1, biz2, applicant, Status.REJECTED, "2026-02-05", "2026-02-09", service=renewal
        ),
        "a3": _application("a3", sa2, biz1, applicant, Status.REVIEWING, "2026-02-15"),
        "a4": _application("a4", sa1, biz2, applicant, Status.SUBMITTED, "2026-03-01"),
        "a5": _application("a5", sb1, biz1, applicant, Status.APPROVED, "2026-01-15", "2026-01-16"),
        "a6": _application("a6", sa1, biz1, applicant, Status.APPROVED, "2025-12-20", "2026-01-05"),
        "draft": _application("draft", sa1, biz1, applicant, Status.DRAFT, None),
    }
    _task(
        apps["a1"],
        officer_a1,
        state=TaskState.DONE,
        due="2026-01-25",
        completed="2026-01-20",
        action="approve",
    )
    _task(
        apps["a2"],
        officer_a2,
        state=TaskState.DONE,
        due="2026-02-06",
        completed="2026-02-09",
        action="reject",
    )
    _task(apps["a3"], officer_a1, state=TaskState.OPEN, due="2026-02-20")
    _task(apps["a4"], None, state=TaskState.OPEN, due="2099-01-01")
    _task(
        apps["a5"],
        officer_b,
        state=TaskState.DONE,
        due="2026-01-30",
        completed="2026-01-16",
        action="approve",
    )
    _task(
        apps["a6"],
        officer_a1,
        state=TaskState.DONE,
        due="2026-01-10",
        completed="2026-01-05",
        action="approve",
    )
    _pay(apps["a1"], "KHQR", "200000", "KHR", "PAID", "2026-01-10")
    _pay(apps["a2"], "CARD", "50", "USD", "PAID", "2026-02-05")
    _pay(apps["a2"], "KHQR", "200000", "KHR", "FAILED", "2026-02-05")
    _pay(apps["a3"], "WAIVER", "0", "KHR", "WAIVED", "2026-02-15")
    _pay(apps["a5"], "KHQR", "100000", "KHR", "PAID", "2026-01-15")
    _pay(apps["a6"], "KHQR", "200000", "KHR", "PAID", "2025-12-20")
    return Dataset(a, b, da, sa1, sa2, sb1, biz1, biz2, applicant, officer_a1, officer_a2, officer_b, apps)


@pytest.fixture
def national(dataset) -> User:
    from accounts.models import OfficerAssignment, Role

    user = User.objects.create_user(username="national-admin", full_name_en="National Admin", is_staff=True)
    OfficerAssignment.objects.create(
        user=user, role=Role.objects.get(code="system_administrator"), institution=None
    )
    return user
