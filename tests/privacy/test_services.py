"""Consent rules: required consent, versions, idempotence, withdrawal and its signal, the access log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from esb import request_context
from esb.models import AuditEvent
from privacy import selectors, services
from privacy.models import AccessorKind, Consent, ConsentPurpose, ConsentText, DataAccess
from privacy.signals import consent_withdrawn

pytestmark = pytest.mark.django_db


def test_migration_publishes_version_1_of_both_purposes_in_khmer_and_english():
    for purpose in ConsentPurpose.values:
        text = selectors.current_text(purpose)
        assert text is not None and text.version == 1 and text.published_at is not None
        assert text.title_km and text.title_en and text.body_km and text.body_en
        assert any("\u1780" <= ch <= "\u17ff" for ch in text.body_km)


def test_has_consent_only_after_giving_the_required_consent(user, camdx_text, outside_text):
    assert not selectors.has_consent(user)
    services.give_consent(user, ConsentPurpose.OUTSIDE_CLUSTER, outside_text)
    assert not selectors.has_consent(user)  # the optional consent does not stand in for the required one
    assert selectors.has_consent(user, ConsentPurpose.OUTSIDE_CLUSTER)
    consent = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text, ip="203.0.113.9")
    assert selectors.has_consent(user)
    assert consent.ip == "203.0.113.9"
    assert AuditEvent.objects.filter(action="privacy.consent_given", object_id=str(consent.pk)).exists()


def test_anonymous_has_no_consent():
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.has_consent(AnonymousUser())
    assert not selectors.has_consent(None)


def test_giving_again_is_idempotent(user, camdx_text):
    first = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    again = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    assert again.pk == first.pk
    assert Consent.objects.filter(user=user).count() == 1


def test_database_refuses_two_active_consents_to_one_text(user, camdx_text):
    services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=user, purpose=ConsentPurpose.CAMDX_CLUSTER, text=camdx_text)


def test_new_version_requires_consenting_again(user, camdx_text, new_version):
    services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    v2 = new_version()
    camdx_text.refresh_from_db()
    assert camdx_text.status == ConsentText.Status.RETIRED and camdx_text.retired_at is not None
    assert v2.version == 2 and selectors.current_text(ConsentPurpose.CAMDX_CLUSTER) == v2
    assert not selectors.has_consent(user)
    # Consenting to the retired text is refused with a translated message.
    with pytest.raises(services.ConsentTextNotCurrent) as refused:
        services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    assert isinstance(refused.value, ValueError)
    assert "updated" in str(refused.value.message)
    services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, v2)
    assert selectors.has_consent(user)
    assert Consent.objects.filter(user=user).count() == 2  # the old consent stays as evidence


def test_text_of_another_purpose_is_refused(user, outside_text):
    with pytest.raises(services.ConsentTextNotCurrent):
        services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, outside_text)


def test_withdraw_sends_the_signal_inside_the_transaction(user, camdx_text):
    consent = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    received = []

    def receiver(sender, user, consent, **kwargs):
        received.append(
            (user.pk, consent.pk, consent.withdrawn_at, transaction.get_connection().in_atomic_block)
        )

    consent_withdrawn.connect(receiver)
    try:
        withdrawn = services.withdraw_consent(user, consent.pk)
    finally:
        consent_withdrawn.disconnect(receiver)
    assert withdrawn.withdrawn_at is not None
    assert received == [(user.pk, consent.pk, withdrawn.withdrawn_at, True)]
    assert not selectors.has_consent(user)
    assert AuditEvent.objects.filter(action="privacy.consent_withdrawn", object_id=str(consent.pk)).exists()


def test_a_failing_receiver_rolls_the_withdrawal_back(user, camdx_text):
    consent = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)

    def receiver(**kwargs):
        raise RuntimeError("drafts could not be discarded")

    consent_withdrawn.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            services.withdraw_consent(user, consent.pk)
    finally:
        consent_withdrawn.disconnect(receiver)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_withdraw_refuses_another_users_consent_and_a_second_withdrawal(user, other_user, camdx_text):
    consent = services.give_consent(other_user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    with pytest.raises(Consent.DoesNotExist):
        services.withdraw_consent(user, consent.pk)
    services.withdraw_consent(other_user, consent.pk)
    with pytest.raises(Consent.DoesNotExist):
        services.withdraw_consent(other_user, consent.pk)


def test_withdrawing_withdraws_earlier_versions_of_the_purpose_too(user, camdx_text, new_version):
    old = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    v2 = new_version()
    current = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, v2)
    services.withdraw_consent(user, old.pk)
    current.refresh_from_db()
    assert current.withdrawn_at is not None
    assert not selectors.has_consent(user)


def test_consents_are_never_deleted(user, camdx_text):
    consent = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    with pytest.raises(PermissionDenied):
        consent.delete()


def test_published_wording_is_immutable(camdx_text):
    camdx_text.body_en = "Something else."
    with pytest.raises(PermissionDenied):
        camdx_text.save()
    camdx_text.refresh_from_db()
    with pytest.raises(PermissionDenied):
        camdx_text.delete()


def test_only_one_published_text_per_purpose(camdx_text):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentText.objects.bulk_create(
            [
                ConsentText(
                    purpose=ConsentPurpose.CAMDX_CLUSTER,
                    version=9,
                    title_km="ក",
                    title_en="t",
                    body_km="ក",
                    body_en="b",
                    status=ConsentText.Status.PUBLISHED,
                )
            ]
        )


def test_publishing_refuses_a_non_draft_and_an_incomplete_draft(camdx_text):
    with pytest.raises(services.ConsentTextNotPublishable):
        services.publish_consent_text(camdx_text, by=None)
    draft = ConsentText.objects.create(
        purpose=ConsentPurpose.CAMDX_CLUSTER, title_km="", title_en="t", body_km="", body_en="b"
    )
    assert draft.version == 2
    with pytest.raises(services.ConsentTextNotPublishable):
        services.publish_consent_text(draft, by=None)
    assert selectors.current_text(ConsentPurpose.CAMDX_CLUSTER) == camdx_text


def test_record_access_takes_the_request_id_and_is_append_only(user):
    token = request_context.set_context(request_context.RequestContext(request_id="req-123"))
    try:
        row = services.record_access(
            accessor_label="ESB Portal — prefill",
            accessor_kind=AccessorKind.SYSTEM,
            purpose="PREFILL",
            what="business registry record",
            subject_user=user,
            object_ref="MOC-2026-000001",
        )
    finally:
        request_context.reset_context(token)
    assert row.request_id == "req-123" and row.at is not None
    assert row.purpose_label == "filling in your application form"
    row.what = "changed"
    with pytest.raises(PermissionDenied):
        row.save()
    with pytest.raises(PermissionDenied):
        row.delete()
    assert DataAccess.objects.get(pk=row.pk).what == "business registry record"


def test_record_access_rejects_an_unknown_kind_and_a_missing_subject(user):
    with pytest.raises(ValueError):
        services.record_access(
            accessor_label="x", accessor_kind="NOPE", purpose="P", what="w", subject_user=user
        )
    with pytest.raises(ValueError):
        services.record_access(accessor_label="x", accessor_kind="SYSTEM", purpose="P", what="w")


def test_access_log_for_is_scoped_to_the_user_and_their_businesses(user, other_user, make_business):
    mine, theirs = make_business(), make_business()

    def log(**subject):
        return services.record_access(
            accessor_label="Officer",
            accessor_kind=AccessorKind.OFFICER,
            purpose="REVIEW",
            what="w",
            **subject,
        )

    a = log(subject_user=user)
    b = log(subject_business=mine)
    log(subject_user=other_user)
    log(subject_business=theirs)
    assert set(selectors.access_log_for(user)) == {a}
    assert set(selectors.access_log_for(user, [mine.pk])) == {a, b}
    assert list(selectors.access_log_for(user, [mine.pk])) == [b, a]  # newest first
