"""Each condition of a report, and each dimension of the summary, against the known dataset (conftest.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reports import selectors
from tests.reports.conftest import PERIOD

TODAY = datetime.date(2026, 3, 10)


def _refs(dataset, user, **conditions) -> set[str]:
    return dataset.refs(selectors.applications(user, {**PERIOD, **conditions}, TODAY))


def test_the_period_and_the_scope(dataset):
    assert _refs(dataset, dataset.officer_a1) == {"a1", "a2", "a3", "a4"}  # not a5 (B), a6 (2025), the draft
    assert _refs(dataset, dataset.officer_b) == {"a5"}


def test_the_period_by_decision_and_by_last_modification(dataset):
    january = {"date_from": "2026-01-01", "date_to": "2026-01-31"}
    decided = selectors.applications(dataset.officer_a1, {**january, "date_field": "decided"}, TODAY)
    assert dataset.refs(decided) == {"a1", "a6"}
    modified = selectors.applications(dataset.officer_a1, {**january, "date_field": "modified"}, TODAY)
    assert dataset.refs(modified) == {"a1", "a6"}
    one_day = selectors.applications(
        dataset.officer_a1,
        {"date_from": "2026-02-09", "date_to": "2026-02-09", "date_field": "decided"},
        TODAY,
    )
    assert dataset.refs(one_day) == {"a2"}  # the end day is included whole


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"status": "APPROVED"}, {"a1"}),
        ({"status": "REVIEWING"}, {"a3"}),
        ({"request_kind": "RENEWAL"}, {"a2"}),
        ({"request_kind": "NEW"}, {"a1", "a3", "a4"}),
        ({"request_kind": "AMENDMENT"}, set()),
        ({"payment_status": "PAID"}, {"a1", "a2"}),
        ({"payment_status": "WAIVED"}, {"a3"}),
        ({"payment_status": "FAILED"}, {"a2"}),
        ({"payment_status": "NONE"}, {"a4"}),
        ({"payment_method": "KHQR"}, {"a1"}),  # a2's KHQR attempt failed: it was paid by card
        ({"payment_method": "CARD"}, {"a2"}),
        ({"payment_method": "WAIVER"}, {"a3"}),
        ({"sector": "G"}, {"a1", "a3"}),
        ({"sector": "C"}, {"a2", "a4"}),
        ({"overdue": "yes"}, {"a2", "a3"}),
        ({"overdue": "no"}, {"a1", "a4"}),
    ],
)
def test_each_condition(dataset, condition, expected):
    assert _refs(dataset, dataset.officer_a1, **condition) == expected


def test_institution_department_service_place_and_officer(dataset):
    d = dataset
    assert _refs(d, d.officer_a1, institution=d.a.pk) == {"a1", "a2", "a3", "a4"}
    assert _refs(d, d.officer_a1, institution=d.b.pk) == set()  # B is outside A's scope whatever is asked
    assert _refs(d, d.officer_a1, department=d.da.pk) == {"a3"}
    assert _refs(d, d.officer_a1, service=d.sa2.pk) == {"a3"}
    assert _refs(d, d.officer_a1, service=d.sb1.pk) == set()
    assert _refs(d, d.officer_a1, province=d.biz2.province_id) == {"a2", "a4"}
    assert _refs(d, d.officer_a1, district=d.biz1.district_id) == {"a1", "a3"}
    assert _refs(d, d.officer_a1, officer=d.officer_a2.pk) == {"a2"}
    assert _refs(d, d.officer_a1, officer=d.officer_a1.pk) == {"a1", "a3"}
    assert _refs(d, d.officer_a1, officer=d.officer_b.pk) == set()
    assert _refs(d, d.officer_a1, status="APPROVED", sector="G", payment_method="KHQR") == {"a1"}


def _summary(dataset, group_by, user=None):
    result = selectors.summary(user or dataset.officer_a1, {**PERIOD, "group_by": group_by}, TODAY)
    return result, {row.label[1]: row for row in result.rows}


def test_summary_by_service_with_fees_median_and_totals(dataset):
    result, rows = _summary(dataset, "service")
    sa1 = rows["SA1 Service SA1"]
    assert (sa1.count, sa1.decided) == (3, 2)
    assert sa1.fees == {"KHR": Decimal("200000.00"), "USD": Decimal("50.00")}
    assert sa1.median_days == 4.5  # 7 and 2 working days (docs: tests/reports/test_working_days.py)
    sa2 = rows["SA2 Service SA2"]
    assert (sa2.count, sa2.decided, sa2.median_days) == (1, 0, None)
    assert sa2.fees == {"KHR": Decimal("0"), "USD": Decimal("0")}  # waived: nothing collected
    assert [r.label[1] for r in result.rows] == ["SA1 Service SA1", "SA2 Service SA2"]  # most first
    assert result.total.count == 4
    assert result.total.fees == {"KHR": Decimal("200000.00"), "USD": Decimal("50.00")}
    assert result.total.median_days == 4.5
    assert rows["SA1 Service SA1"].label[0] == "SA1 សេវា SA1"


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("status", {"Approved": 1, "Rejected": 1, "Under review": 1, "Submitted": 1}),
        ("institution", {"Ministry A": 4}),
        ("department", {"Department A": 1, "Not recorded": 3}),
        ("month", {"January 2026": 1, "February 2026": 2, "March 2026": 1}),
        ("officer", {"Officer A1": 2, "Officer A2": 1, "Not recorded": 1}),
        ("payment_method", {"KHQR": 1, "Bank card": 1, "Fee waived": 1, "Not recorded": 1}),
        ("request_kind", {"New application": 3, "Renewal": 1}),
    ],
)
def test_summary_by_each_dimension(dataset, group_by, expected):
    result, rows = _summary(dataset, group_by)
    assert {label: row.count for label, row in rows.items()} == expected
    assert result.total.count == 4


def test_summary_by_province_and_sector(dataset):
    _result, rows = _summary(dataset, "province")
    assert rows[dataset.biz1.province.name_en].count == 2
    assert rows[dataset.biz2.province.name_en].count == 2
    _result, rows = _summary(dataset, "sector")
    assert {label[:1]: row.count for label, row in rows.items()} == {"G": 2, "C": 2}


def test_summary_by_month_is_in_calendar_order(dataset):
    result, _rows = _summary(dataset, "month")
    assert [r.label[1] for r in result.rows] == ["January 2026", "February 2026", "March 2026"]
    assert result.rows[0].label[0] == "មករា 2026"
    assert result.rows[0].fees["KHR"] == Decimal("200000.00")


def test_national_administrators_see_every_institution(dataset, national):
    assert _refs(dataset, national) == {"a1", "a2", "a3", "a4", "a5"}
    result, rows = _summary(dataset, "institution", national)
    assert {label: row.count for label, row in rows.items()} == {"Ministry A": 4, "Ministry B": 1}
    assert result.total.fees["KHR"] == Decimal("300000.00")


def test_a_department_officer_sees_the_departments_services_and_those_without_one(dataset):
    from tests.licensing.factories import DepartmentFactory
    from tests.review.factories import officer

    elsewhere = officer("technical_officer", dataset.a, DepartmentFactory(institution=dataset.a))
    assert _refs(dataset, elsewhere) == {"a1", "a2", "a4"}  # SA1 has no department; SA2 belongs to DA
    inside = officer("technical_officer", dataset.a, dataset.da)
    assert _refs(dataset, inside) == {"a1", "a2", "a3", "a4"}


def test_someone_without_an_assignment_sees_nothing(dataset):
    from accounts.models import User

    nobody = User.objects.create_user(username="nobody", is_staff=True)
    assert _refs(dataset, nobody) == set()
    assert selectors.summary(nobody, {**PERIOD, "group_by": "service"}, TODAY).total.count == 0


def test_the_list_reads_in_chunks(dataset, national):
    chunks = list(selectors.list_chunks(national, PERIOD, TODAY, chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    references = [row["reference"] for chunk in chunks for row in chunk]
    assert references == ["TST-2026-a1", "TST-2026-a5", "TST-2026-a2", "TST-2026-a3", "TST-2026-a4"]
    by_reference = {row["reference"]: row for chunk in chunks for row in chunk}
    assert by_reference["TST-2026-a3"]["is_overdue"] is True
    assert by_reference["TST-2026-a1"]["is_overdue"] is False
    assert by_reference["TST-2026-a2"]["officer_id"] == dataset.officer_a2.pk
