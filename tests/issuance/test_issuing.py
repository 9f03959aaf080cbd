"""Approval → one PENDING licence and one outbox message; the chain → one VALID licence, numbered, registered
once, its PDF stored with its SHA-256, the applicant told; every step skipped when run again; amendment and
renewal; a verification service that is down leaves the licence PENDING with the reason on it."""

from __future__ import annotations

import datetime
import hashlib
import uuid

import pytest
from celery.exceptions import Retry
from django.db import connection

from applications.models import Application, ApplicationEvent
from esb.outbox.models import OutboxMessage
from issuance import tasks
from issuance.models import Licence, LicenceChange, LicenceEvent, LicenceStatus
from issuance.services import chain, issuing
from issuance.verification import VerificationError
from notifications.models import Notification
from tests.applications import factories as application_factories
from tests.issuance import factories
from tests.review import factories as review_factories

pytestmark = pytest.mark.django_db


def _approve(applicant, service, business, team):
    return factories.approved_application(applicant, service, business, team)


def test_approval_creates_one_pending_licence_and_one_outbox_message(applicant, service, business, team):
    application = _approve(applicant, service, business, team)

    licence = Licence.objects.get(application=application)
    assert licence.status == LicenceStatus.PENDING
    assert licence.number == ""
    messages = OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC)
    assert messages.count() == 1
    assert messages.get().payload == {"licence_id": licence.pk}
    assert messages.get().dedupe_key == f"issuance.issue:{licence.public_id}"

    # The snapshot: the registry's business and owner, the approving officer and the role they approve as.
    assert licence.holder_name_km == business.name_km
    assert licence.single_id == business.single_id
    owners = licence.particulars["owners"]
    assert owners[0]["name_km"] == applicant.full_name_km
    assert licence.particulars["activity"]["code"] == "4711"
    assert licence.particulars["address"]["km"]  # gazetteer names, in Khmer …
    assert licence.particulars["address"]["en"]  # … and in English
    assert licence.approved_by == team.approver
    assert licence.approver_name == team.approver.full_name_km
    assert licence.particulars["approver"]["title_en"] == "Approver (director)"
    assert licence.valid_from == issuing.local_today()
    assert licence.valid_until == issuing.valid_until_for(licence.valid_from, 12)


def test_a_second_begin_for_the_same_approval_adds_nothing(applicant, service, business, team):
    application = _approve(applicant, service, business, team)
    from django.db import transaction

    with transaction.atomic():
        again = issuing.begin_issuance(application, approved_by=team.approver)
    assert again == Licence.objects.get(application=application)
    assert OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).count() == 1


def test_validity_months_and_the_last_day():
    assert issuing.valid_until_for(datetime.date(2026, 3, 1), 12) == datetime.date(2027, 2, 28)
    assert issuing.valid_until_for(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 27)
    assert issuing.valid_until_for(datetime.date(2026, 1, 31), None) is None


def test_a_type_that_does_not_expire_issues_a_licence_without_end(applicant, service, business, team):
    service.validity_months = None
    service.save(update_fields=["validity_months"])
    licence = factories.pending(_approve(applicant, service, business, team))
    assert licence.valid_until is None


def test_the_chain_issues_one_valid_licence(applicant, service, business, team, provider):
    application = _approve(applicant, service, business, team)
    licence = factories.issued(application)

    assert licence.status == LicenceStatus.VALID
    assert licence.number == f"{service.code.upper()}-{licence.issued_year}-000001"
    assert licence.sequence == 1
    assert licence.issued_at is not None
    assert licence.issue_error == ""
    # One verification record, keyed by the licence's public id, its URL kept (encrypted) on the licence.
    records = provider.records()
    assert list(records) == [str(licence.public_id)]
    record = records[str(licence.public_id)]
    assert licence.verification_id == record["record_id"]
    assert licence.verification_url.endswith(f"{record['record_id']}?key={record['key']}")
    # The stored PDF is the published one.
    with licence.pdf.open("rb") as handle:
        document = handle.read()
    assert document.startswith(b"%PDF")
    assert hashlib.sha256(document).hexdigest() == licence.sha256 == record["sha256"]
    assert licence.published_at is not None
    kinds = list(licence.events.values_list("kind", flat=True))
    assert kinds == ["NUMBERED", "REGISTERED", "RENDERED", "ISSUED"]
    # The applicant's timeline and notification.
    event = ApplicationEvent.objects.get(application=application, title_en__startswith="Your licence")
    assert event.message == licence.number
    notification = Notification.objects.get(dedupe_key=f"licence-issued:{application.pk}:{licence.number}")
    assert notification.user == applicant
    assert licence.number in notification.body_en and licence.number in notification.body_km
    assert str(licence.public_id) in notification.url or str(application.public_id) in notification.url


def test_the_verification_url_is_encrypted_at_rest(applicant, service, business, team, provider):
    licence = factories.issued(_approve(applicant, service, business, team))
    with connection.cursor() as cursor:
        cursor.execute("SELECT verification_url FROM issuance_licence WHERE id = %s", [licence.pk])
        stored = cursor.fetchone()[0]
    assert "verify.test" not in stored and "key=" not in stored
    assert Licence.objects.get(pk=licence.pk).verification_url == licence.verification_url


def test_every_step_is_skipped_when_done(applicant, service, business, team, provider):
    licence = factories.issued(_approve(applicant, service, business, team))
    before = Licence.objects.get(pk=licence.pk)
    for _ in range(2):
        chain.run(licence.pk)
    after = Licence.objects.get(pk=licence.pk)
    assert (after.number, after.verification_id, after.sha256, after.pdf.name) == (
        before.number,
        before.verification_id,
        before.sha256,
        before.pdf.name,
    )
    assert provider.calls("register") == 1
    assert provider.calls("publish") == 1
    assert LicenceEvent.objects.filter(licence=licence).count() == 4
    assert ApplicationEvent.objects.filter(title_en__startswith="Your licence").count() == 1


def test_numbers_follow_each_other_per_type_and_year(applicant, service, business, team, provider):
    first = factories.issued(_approve(applicant, service, business, team))
    second = factories.issued(_approve(applicant, service, business, team))
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.number.endswith("-000002")


def test_a_provider_outage_leaves_the_licence_pending_with_the_reason(
    applicant, service, business, team, provider
):
    licence = factories.pending(_approve(applicant, service, business, team))
    provider.fail()
    with pytest.raises((Retry, VerificationError)):
        tasks.issue_licence.run(licence.pk)
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.PENDING
    assert licence.number  # numbering needs no provider: it is done and kept
    assert licence.verification_id == ""
    assert "down" in licence.issue_error

    provider.fail(False)
    tasks.issue_licence.run(licence.pk)
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.VALID
    assert licence.issue_error == ""
    assert licence.sequence == 1  # the same number: the retry did not draw another


def test_retry_pauses_grow_and_stay_bounded():
    import random

    rng = random.Random(1)
    pauses = [tasks.retry_pause(n, rng=rng) for n in range(12)]
    assert 48 <= pauses[0] <= 72
    assert pauses[3] > pauses[1] > pauses[0]
    assert max(pauses) <= tasks.LONGEST_PAUSE * 1.2


def test_resume_sends_a_stuck_licence_back_to_the_chain(applicant, service, business, team):
    licence = factories.pending(_approve(applicant, service, business, team))
    from django.core.management import call_command

    # Its first message still waits to be relayed: resuming adds nothing (the chain starts once).
    call_command("resume_issuance", "--older-than", "0")
    assert OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).count() == 1
    OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).update(status=OutboxMessage.Status.DELIVERED)
    call_command("resume_issuance", "--older-than", "0")
    assert OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).count() == 2
    # Resumed twice before the relay ran (two clicks): still one message waiting.
    assert chain.resume(Licence.objects.get(pk=licence.pk)) is True
    assert OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).count() == 2
    valid = factories.LicenceFactory(
        application=application_factories.draft(applicant, service, business), valid=True
    )
    assert chain.resume(valid) is False  # only a licence still being issued goes back


def _recommended_change(applicant, service, business, team, old, kind):
    application = review_factories.recommended(applicant, service, business, team)
    LicenceChange.objects.create(application=application, licence=old, kind=kind)
    review_factories.act(team.approver, application, "claim")
    review_factories.act(
        team.approver,
        application,
        "approve",
        checklist=review_factories.mandatory_items(application),
        message="Approved.",
    )
    return application


def test_an_amendment_issues_version_two_and_supersedes_the_first(
    applicant, service, business, team, provider
):
    old = factories.issued(_approve(applicant, service, business, team))
    application = _recommended_change(applicant, service, business, team, old, "AMENDMENT")
    new = Licence.objects.get(application=application)
    assert (new.number, new.version, new.supersedes_id) == (old.number, 2, old.pk)
    assert new.valid_until == old.valid_until

    new = chain.run(new.pk)
    old.refresh_from_db()
    assert new.status == LicenceStatus.VALID
    assert old.status == LicenceStatus.SUPERSEDED
    assert old.events.filter(kind=LicenceEvent.Kind.SUPERSEDED).count() == 1
    # Each version has its own verification record; the old one now says superseded.
    assert provider.records()[str(old.public_id)]["status"] == "SUPERSEDED"
    assert old.verification_status == "SUPERSEDED"
    assert new.verification_id != old.verification_id
    assert Licence.objects.filter(number=old.number).count() == 2


def test_a_renewal_gets_a_new_number_and_starts_the_day_after(applicant, service, business, team, provider):
    old = factories.issued(_approve(applicant, service, business, team))
    application = _recommended_change(applicant, service, business, team, old, "RENEWAL")
    new = chain.run(Licence.objects.get(application=application).pk)
    old.refresh_from_db()
    assert new.number != old.number and new.sequence == 2
    assert new.valid_from == old.valid_until + datetime.timedelta(days=1)
    assert new.supersedes_id is None
    assert old.status == LicenceStatus.VALID  # a renewal replaces nothing: the old one runs out


def test_factory_states(applicant, service, business, team):
    first = application_factories.draft(applicant, service, business)
    for trait in ("pending", "valid", "suspended", "revoked", "expired"):
        application = Application.objects.get(pk=first.pk)
        application.pk, application.public_id = None, uuid.uuid4()  # one licence per application
        application.save()
        licence = factories.LicenceFactory(application=application, **{trait: True})
        assert licence.status == trait.upper()
        assert bool(licence.number) == (trait != "pending")
        assert licence.events.filter(to_status=licence.status).exists() == (trait != "pending")


def test_the_timeline_refuses_a_licence_for_an_application_not_approved(applicant, service, business):
    from django.db import transaction

    from applications import services as application_services

    application = application_factories.draft(applicant, service, business)
    with pytest.raises(application_services.ApplicationError), transaction.atomic():
        application_services.licence_issued(application.pk, number="X-2026-000001", url="/")
    assert not ApplicationEvent.objects.filter(application=application, title_en__startswith="Your").exists()


def test_a_step_out_of_order_is_refused(applicant, service, business, team, provider):
    licence = factories.pending(_approve(applicant, service, business, team))
    with pytest.raises(chain.ChainError):
        chain.register(licence.pk)  # not numbered yet
    chain.number(licence.pk)
    with pytest.raises(chain.ChainError):
        chain.activate(licence.pk)  # not registered, rendered or published
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.PENDING


def test_an_officer_without_a_role_at_the_institution_has_no_title(applicant, service, business):
    from accounts.models import User

    outsider = User.objects.create_user(username="no-role", full_name_en="No Role", is_staff=True)
    assert issuing.approver_title(outsider, service.institution_id) == ("", "")
    assert issuing.approver_title(None, service.institution_id) == ("", "")


def test_an_address_is_written_in_both_languages_with_gazetteer_names(reference_data):
    from registry.models import AdministrativeUnit

    village = (
        AdministrativeUnit.objects.filter(level="village").select_related("parent__parent__parent").first()
    )
    commune, district, province = village.parent, village.parent.parent, village.parent.parent.parent
    lines = issuing.address_lines(
        {
            "province": province.code,
            "district": district.code,
            "commune": commune.code,
            "village": village.code,
            "house_number": "12",
            "street_name": "271",
        }
    )
    assert lines["km"].startswith("ផ្ទះលេខ 12 ផ្លូវ 271 ")
    assert province.name_km in lines["km"] and village.name_km in lines["km"]
    assert lines["en"].startswith("No. 12, Street 271, ")
    assert (province.name_en or province.name_km) in lines["en"]
