"""A history over two institutions (see conftest.history) and the oracle: each dashboard figure recomputed
from ApplicationEvent, PaymentEvent and ReviewAction with plain ORM reads and esb.working_days."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import OfficerAssignment, Role, User
from applications import services as application_services
from applications.models import ApplicationEvent
from applications.services.statistics import LOCAL_ZONE, local_day
from dashboard.models import MAX_BUCKET
from esb.working_days import working_days_between
from licensing.models import LicenceType
from payments.models import PaymentEvent
from review import sla
from review.models import ReviewAction, ReviewTask
from tests.licensing.factories import LicenceTypeFactory, publish_valid_form, publish_valid_workflow
from tests.payments import factories as payment_factories
from tests.review import factories as review

D1 = datetime.date(2025, 3, 3)  # a Monday
D2 = datetime.date(2025, 3, 12)
D3 = datetime.date(2025, 4, 22)
FINISHING = {"forward", "recommend", "reject", "approve"}


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), LOCAL_ZONE)


@dataclass
class History:
    service_a: LicenceType
    service_b: LicenceType
    team_a: review.Team
    team_b: review.Team
    national: User


def _service(fee: int) -> LicenceType:
    licence_type = LicenceTypeFactory(fee_amount=fee, fee_currency="KHR", processing_days=10)
    publish_valid_form(licence_type)
    publish_valid_workflow(licence_type)
    return licence_type


def national_admin() -> User:
    user = User.objects.create_user(username="national-admin", is_staff=True, preferred_language="en")
    OfficerAssignment.objects.create(user=user, role=Role.objects.get(code="system_administrator"))
    return user


def build(applicant, business, clock) -> History:
    service_a, service_b = _service(0), _service(200000)
    payment_factories.khqr_account(service_b.institution)
    team_a, team_b = review.team_for(service_a), review.team_for(service_b)
    # A: approved over three days (forwarded on D1, recommended on D2, approved on D3)
    with clock(at(D1)):
        approved = review.forwarded(applicant, service_a, business, team_a)
    with clock(at(D2)):
        review.act(team_a.technical, approved, "claim")
        review.act(
            team_a.technical, approved, "recommend", note="Fine.", checklist=review.mandatory_items(approved)
        )
    with clock(at(D3)):
        review.act(team_a.approver, approved, "claim")
        review.act(
            team_a.approver, approved, "approve", checklist=review.mandatory_items(approved), message="OK"
        )
    # A: rejected at reception on D1; returned on D2; withdrawn on D3; a draft started on D3
    with clock(at(D1, 11)):
        review.rejected(applicant, service_a, business, team_a)
    with clock(at(D1, 12)):
        returned = review.forwarded(applicant, service_a, business, team_a)
    with clock(at(D2, 9)):
        review.act(team_a.technical, returned, "claim")
        review.act(team_a.technical, returned, "return", fields=["employees"], message="Check it.")
    with clock(at(D1, 13)):
        withdrawn = review.queued(applicant, service_a, business)
    with clock(at(D3, 9)):
        application_services.withdraw(withdrawn, applicant, reason="No longer needed.")
        review.application_factories.draft(applicant, service_a, business)
    # B: paid on D2 and taken into review on D3; another left waiting for its fee
    with clock(at(D1, 14)):
        paid = payment_factories.awaiting_payment(applicant, service_b, business)
    with clock(at(D2, 15)):
        payment_factories.paid(paid, applicant)
    with clock(at(D3, 15)):
        review.act(team_b.reception, paid, "claim")
        review.act(team_b.reception, paid, "forward", note="Complete.")
    with clock(at(D3, 16)):
        payment_factories.awaiting_payment(applicant, service_b, business)
    return History(service_a, service_b, team_a, team_b, national_admin())


# --- the oracle -------------------------------------------------------------------------------------------


def _in(day: datetime.date, start: datetime.date, end: datetime.date) -> bool:
    return start <= day <= end


def measure_of(event: ApplicationEvent) -> str | None:
    if event.kind == "CREATED":
        return "CREATED"
    if event.kind != "STATUS" or not event.to_status:
        return None
    if event.to_status == "SUBMITTED":
        return "RECEIVED" if event.from_status == "DRAFT" else "RESUBMITTED"
    if event.to_status == "REJECTED" and event.actor_kind == "APPLICANT":
        return "WITHDRAWN"
    return event.to_status


def _events(institutions):
    events = ApplicationEvent.objects.select_related(
        "application__licence_type", "application__business"
    ).order_by("id")
    return [e for e in events if e.application.licence_type.institution_id in institutions]


def event_counts(institutions, start, end) -> Counter:
    """(licence type, measure) -> count of the events on days in [start, end]."""
    found = Counter()
    for event in _events(institutions):
        measure = measure_of(event)
        if measure and _in(local_day(event.at), start, end):
            found[(event.application.licence_type_id, measure)] += 1
    return found


def panel(institutions, start, end) -> dict[str, int]:
    counts = event_counts(institutions, start, end)
    result = {m: sum(n for (_lt, mm), n in counts.items() if mm == m) for m in ("RECEIVED", "REVIEWING")}
    for m in ("RETURNED", "APPROVED", "REJECTED"):
        result[m] = sum(n for (_lt, mm), n in counts.items() if mm == m)
    result["LATE"] = sum(
        1
        for action, _days in _finished(institutions)
        if _in(local_day(action.at), start, end) and local_day(action.at) > action.task.due_date
    )
    return result


def overdue_now(institutions, today: datetime.date) -> int:
    """Current tasks of undecided applications whose SLA clock (review.sla.clock_date: stopped while
    waiting) is past the due date."""
    return sum(
        1
        for task in ReviewTask.objects.exclude(state="DONE").select_related("application__licence_type")
        if task.application.licence_type.institution_id in institutions
        and task.application.status in ("SUBMITTED", "REVIEWING", "RETURNED")
        and sla.clock_date(task, today) > task.due_date
    )


def by_month(institutions, start, end) -> list[tuple[datetime.date, int]]:
    months = Counter()
    for event in _events(institutions):
        if measure_of(event) == "RECEIVED" and _in(local_day(event.at), start, end):
            months[local_day(event.at).replace(day=1)] += 1
    return sorted(months.items())


def by_province(institutions, start, end) -> dict[int | None, int]:
    found = Counter()
    for event in _events(institutions):
        if measure_of(event) == "RECEIVED" and _in(local_day(event.at), start, end):
            business = event.application.business
            found[business.province_id if business else None] += 1
    return dict(found)


def fees(institutions, start, end) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """Net of refunds: a payment paid adds itself on the day it was paid, a refund of a paid payment takes it
    off on the day of the refund."""
    found: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for event in PaymentEvent.objects.filter(to_status__in=["PAID", "REFUNDED"]).select_related(
        "payment__application__licence_type"
    ):
        payment = event.payment
        if event.to_status == "REFUNDED" and event.from_status != "PAID":
            continue  # money of a failed attempt that settled anyway: never counted as collected
        sign = 1 if event.to_status == "PAID" else -1
        if payment.application.licence_type.institution_id in institutions and _in(
            local_day(event.at), start, end
        ):
            n, amount = found.get((payment.method, payment.currency), (0, Decimal(0)))
            found[(payment.method, payment.currency)] = (n + sign, amount + sign * payment.amount)
    return found


def _finished(institutions):
    actions = ReviewAction.objects.filter(action__in=FINISHING).select_related(
        "task", "step", "application__licence_type"
    )
    for action in actions:
        if action.application.licence_type.institution_id in institutions:
            days = working_days_between(local_day(action.task.reached_at), local_day(action.at))
            yield action, min(max(days - action.task.paused_working_days, 0), MAX_BUCKET)


def durations(institutions, start, end) -> dict[tuple[int, str], tuple[int, int | None, int | None, int]]:
    """(licence type, step key or "") -> (count, median, p90, breaches), by sorting each list of days."""
    days: dict[tuple[int, str], list[int]] = defaultdict(list)
    breaches: Counter = Counter()
    for action, n in _finished(institutions):
        if _in(local_day(action.at), start, end):
            key = (action.application.licence_type_id, action.step.key)
            days[key].append(n)
            breaches[key] += local_day(action.at) > action.task.due_date
    for event in _events(institutions):
        if measure_of(event) in ("APPROVED", "REJECTED") and _in(local_day(event.at), start, end):
            application = event.application
            key = (application.licence_type_id, "")
            n = working_days_between(local_day(application.submitted_at), local_day(event.at))
            days[key].append(min(max(n, 0), MAX_BUCKET))
            due = application.expected_decision_date
            breaches[key] += due is not None and local_day(event.at) > due
    result = {}
    for key, values in days.items():
        values.sort()
        rank = lambda p: values[max(1, -(-p * len(values) // 100)) - 1]  # noqa: E731 (nearest rank)
        result[key] = (len(values), rank(50), rank(90), breaches[key])
    return result


def funnel(institutions, start, end) -> dict[str, int]:
    stages: Counter = Counter()
    by_application = defaultdict(list)
    for event in _events(institutions):
        by_application[event.application].append(measure_of(event))
    for application, measures in by_application.items():
        if not _in(local_day(application.created_at), start, end):
            continue
        stages["STARTED"] += "CREATED" in measures
        stages["SUBMITTED"] += "RECEIVED" in measures
        stages["REVIEWED"] += "REVIEWING" in measures
        stages["APPROVED"] += "APPROVED" in measures
    return dict(stages)


__all__ = ["D1", "D2", "D3", "History", "at", "build"]
