"""The application lifecycle through the services: consent first, once-only prefill, drafts, submission
with a reference number, payment required for a paid service, return and resubmission with both versions
kept, withdrawal, the transition table, replayed and stale posts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationEvent, Closure, Status
from esb.models import AuditEvent
from esb.working_days import add_working_days
from privacy.models import DataAccess
from tests.applications import factories
from tests.applications.conftest import make_applicant

pytestmark = pytest.mark.django_db


def test_no_consent_no_stored_data(owner, business, free_service):
    user = make_applicant(owner, consent=False)
    with pytest.raises(services.ConsentRequired):
        services.start_application(user, free_service, business=business)
    assert Application.objects.count() == 0


def test_start_prefills_from_the_registries_and_logs_the_access(applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)

    assert application.answers["single_id"] == business.single_id
    assert application.answers["address"]["village"] == business.village.code
    assert application.answers["address"]["house_number"] == "12"
    assert application.prefilled == {"single_id": "business.single_id", "address": "business.address"}
    assert application.locked_fields == ["single_id"]
    assert application.draft_expires_at > timezone.now() + datetime.timedelta(days=29)
    access = DataAccess.objects.get(subject_business=business)
    assert access.subject_user == applicant and access.purpose == "PREFILL"


def test_answers_are_encrypted_at_rest(applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM applications_application WHERE id = %s", [application.pk])
        stored = cursor.fetchone()[0]
    assert business.single_id not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_starting_twice_continues_the_same_draft(applicant, business, free_service):
    first = factories.draft(applicant, free_service, business)
    again = factories.draft(applicant, free_service, business)
    assert first.pk == again.pk


def test_locked_prefilled_value_cannot_be_changed(applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    step = application.form_definition.steps.get(key="business")
    services.save_step(
        application,
        applicant,
        step,
        answers={"single_id": "999", **factories.ANSWERS},
        uploads={},
        version=application.version,
    )
    application.refresh_from_db()
    assert application.answers["single_id"] == business.single_id
    assert application.answers["employees"] == 12


def test_stale_version_is_refused_and_nothing_is_lost(applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    step = application.form_definition.steps.get(key="business")
    old_version = application.version
    services.save_step(
        application, applicant, step, answers=factories.ANSWERS, uploads={}, version=old_version
    )
    with pytest.raises(services.StalePage):
        services.save_step(
            application, applicant, step, answers={"employees": 1}, uploads={}, version=old_version
        )
    application.refresh_from_db()
    assert application.answers["employees"] == 12


def test_submit_free_service(applicant, business, free_service, django_capture_on_commit_callbacks):
    application = factories.filled(applicant, free_service, business)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit(application, applicant, version=application.version)

    year = timezone.localdate().year
    assert application.status == Status.SUBMITTED
    # From a sequence: unique and readable, not necessarily 000001 (sequences outlive test transactions).
    assert re.fullmatch(rf"{free_service.institution.code}-{year}-\d{{6}}", application.reference)
    assert application.revision == 1 and application.revisions.count() == 1
    assert application.expected_decision_date == add_working_days(timezone.localdate(), 10)
    titles = list(application.events.values_list("title_en", flat=True))
    assert titles == ["Application started", "Application submitted"]
    assert applicant.notifications.filter(title_en="Application submitted").exists()
    # One audit event holds everything the submission changed, not only the status.
    event = AuditEvent.objects.get(action="application.status", object_id=str(application.pk))
    assert event.before["status"] == Status.DRAFT and event.after["status"] == Status.SUBMITTED
    assert event.after["reference"] == application.reference and event.before["reference"] is None
    assert event.after["revision"] == 1
    assert event.after["expected_decision_date"] == application.expected_decision_date.isoformat()
    assert event.after["submitted_at"] and event.after["last_submitted_at"]


def test_submission_writes_the_application_once_and_reads_it_once(applicant, business, free_service):
    from django.test.utils import CaptureQueriesContext

    application = factories.filled(applicant, free_service, business)
    with CaptureQueriesContext(connection) as queries:
        services.submit(application, applicant, version=application.version)
    statements = [q["sql"] for q in queries.captured_queries]
    application_reads = [
        s for s in statements if s.startswith("SELECT") and 'FROM "applications_application"' in s
    ]
    application_writes = [s for s in statements if s.startswith('UPDATE "applications_application"')]
    assert len(application_reads) == 1 and "FOR UPDATE OF" in application_reads[0]
    assert len(application_writes) == 1
    assert not any("pg_advisory" in s for s in statements)  # no lock beyond the application row
    # savepoints are bookkeeping of nested atomic blocks (the notification and its outbox message), not work
    work = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    # 14 for the submission itself, 1 for the statistics' status span (applications.services.statistics,
    # one statement), and 4 for the review it starts in the same transaction: the pinned workflow version,
    # its first step, the holidays of the step's SLA clock (read again: a calendar read in a transaction is
    # cached only after the commit) and the review task; 1 for the applicant's opted-in channels (SMS,
    # Telegram: notifications.optin.fan_out).
    assert len(work) <= 20, "\n".join(s[:150] for s in work)


def test_references_do_not_wait_for_an_open_submission(applicant, business, free_service):
    """A reference drawn in an open transaction does not block another connection drawing the next one."""
    import threading

    from django.db import connections, transaction

    from esb.numbering import next_reference

    with transaction.atomic():
        first = next_reference("WAITTEST", 2026)
        other: list[str] = []

        def draw() -> None:
            try:
                other.append(next_reference("WAITTEST", 2026))
            finally:
                connections.close_all()

        thread = threading.Thread(target=draw)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the second reference waited for the first transaction"
    assert int(other[0].rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_submit_refuses_missing_answers(applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    with pytest.raises(services.ApplicationError) as error:
        services.submit(application, applicant, version=application.version)
    assert error.value.code == "incomplete"
    assert {m.field_key for m in services.missing_answers(application)} >= {"activity", "id_card"}


def test_a_submitted_application_cannot_be_edited_or_submitted_again(applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    step = application.form_definition.steps.get(key="business")
    with pytest.raises(services.NotEditable):
        services.save_step(application, applicant, step, answers={"employees": 1}, uploads={}, version=None)
    with pytest.raises(services.NotEditable):
        services.submit(application, applicant, version=application.version)
    assert application.events.filter(to_status=Status.SUBMITTED).count() == 1


def test_paid_service_stops_at_payment_required(applicant, business, paid_service):
    application = factories.filled(applicant, paid_service, business)
    application = services.submit(application, applicant, version=application.version)
    assert application.status == Status.DRAFT
    assert application.reference and application.payment_requested_at
    assert application.display_status == "Payment required"
    # Confirming again neither duplicates the event nor changes the reference.
    again = services.submit(application, applicant, version=application.version)
    assert again.reference == application.reference
    assert application.events.filter(kind=ApplicationEvent.Kind.PAYMENT_REQUIRED).count() == 1


def test_return_and_resubmit_keeps_both_versions(applicant, business, free_service):
    application = factories.returned(applicant, free_service, business)
    assert application.status == Status.RETURNED
    assert application.correction_fields == ["employees"]

    step = application.form_definition.steps.get(key="business")
    services.save_step(
        application,
        applicant,
        step,
        answers={"employees": 15, "kind": "b", "activity": "0111"},
        uploads={},
        version=application.version,
    )
    application.refresh_from_db()
    # Only the field the officer asked about changed.
    assert application.answers["employees"] == 15
    assert application.answers["kind"] == "a" and application.answers["activity"] == "4711"

    application = services.submit(application, applicant, version=application.version)
    assert application.status == Status.SUBMITTED and application.revision == 2
    first, second = application.revisions.order_by("number")
    assert first.answers["employees"] == 12 and second.answers["employees"] == 15
    assert second.changed_fields == ["employees"]
    assert application.correction_fields == []
    assert list(application.events.values_list("to_status", flat=True)) == [
        "",
        "SUBMITTED",
        "REVIEWING",
        "RETURNED",
        "SUBMITTED",
    ]


def test_return_needs_fields_and_a_message(applicant, business, free_service):
    application = factories.reviewing(applicant, free_service, business)
    with pytest.raises(services.ApplicationError):
        services.return_for_correction(application, None, fields=["nope"], message="x")
    with pytest.raises(services.ApplicationError):
        services.return_for_correction(application, None, fields=["employees"], message="  ")


def test_withdraw_an_undecided_application(applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    application = services.withdraw(application, applicant, reason="Applied by mistake")
    assert application.status == Status.REJECTED and application.closure == Closure.WITHDRAWN
    assert application.display_status == "Withdrawn by the applicant"
    with pytest.raises(services.ApplicationError):
        services.withdraw(application, applicant)


def test_transition_table_is_enforced(applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    with pytest.raises(services.ApplicationError) as error:
        services.change_status(application, Status.APPROVED, title="approved")
    assert error.value.code == "transition"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_timeline_is_append_only(applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    event = application.events.first()
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).update(title_en="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).delete()


def test_expired_drafts_are_emptied(applicant, business, free_service, django_capture_on_commit_callbacks):
    application = factories.filled(applicant, free_service, business)
    document = application.documents.get()
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    Application.objects.filter(pk=application.pk).update(
        draft_expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    fresh = factories.draft(applicant, free_service)  # not expired: stays

    with django_capture_on_commit_callbacks(execute=True):
        assert services.discard_expired_drafts() == 1
    application.refresh_from_db()
    assert application.discarded_at and application.answers == {} and not application.documents.exists()
    assert not storage.exists(name)
    fresh.refresh_from_db()
    assert fresh.discarded_at is None


def test_withdrawing_consent_discards_drafts_but_keeps_submitted(
    applicant, business, free_service, paid_service
):
    kept = factories.submitted(applicant, free_service, business)
    dropped = factories.draft(applicant, paid_service, business)
    from privacy import selectors as privacy_selectors
    from privacy import services as privacy_services

    consent = privacy_selectors.consents_of(applicant).first()
    privacy_services.withdraw_consent(applicant, consent.pk)
    dropped.refresh_from_db()
    kept.refresh_from_db()
    assert dropped.discarded_at is not None and dropped.answers == {}
    assert kept.discarded_at is None and kept.answers


def test_status_change_is_told_in_the_portal_and_by_email(
    applicant, business, free_service, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    application = factories.filled(applicant, free_service, business)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(application, applicant, version=application.version)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_received(application)
    notifications = list(applicant.notifications.order_by("created_at").values_list("title_en", flat=True))
    assert notifications == ["Application submitted", "Received by the institution and under review"]
    assert len(mail.outbox) == 2
    assert mail.outbox[0].to == [applicant.email]
