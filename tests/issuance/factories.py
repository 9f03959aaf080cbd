"""Licences in named lifecycle states.

`approved_application(...)` goes the real way (review.services.take_action through tests/review/factories),
so the approval's signal creates the PENDING licence and its outbox message. `LicenceFactory` makes a
licence row directly for tests that need one in a given state without the chain (traits: pending, valid,
suspended, revoked, expired), its history event included; `issued(...)` runs the real chain to VALID.
"""

from __future__ import annotations

import datetime
import itertools

import factory
from django.utils import timezone

from issuance.models import Licence, LicenceEvent, LicenceStatus
from issuance.services import chain
from tests.review import factories as review_factories

_sequence = itertools.count(1)


def approved_application(applicant, licence_type, business, team):
    """Approved through the three-level review: its licence is PENDING, its outbox message written."""
    return review_factories.approved(applicant, licence_type, business, team)


def pending(application) -> Licence:
    return Licence.objects.get(application=application)


def issued(application) -> Licence:
    """The real chain (with the active provider) run to the end: VALID, numbered, registered, PDF stored."""
    return chain.run(pending(application).pk)


class LicenceFactory(factory.django.DjangoModelFactory):
    """A licence row for `application` (required: one licence per application), PENDING unless a trait
    says otherwise. The states other than pending carry a number, a (made-up) verification record and the
    history event that put them there."""

    class Meta:
        model = Licence
        skip_postgeneration_save = True

    licence_type = factory.LazyAttribute(lambda o: o.application.licence_type)
    business = factory.LazyAttribute(lambda o: o.application.business)
    issued_year = factory.LazyFunction(lambda: timezone.localdate().year)
    holder_name_km = factory.LazyAttribute(lambda o: o.business.name_km if o.business else "អាជីវកម្ម")
    holder_name_en = factory.LazyAttribute(lambda o: o.business.name_en if o.business else "Business")
    single_id = factory.LazyAttribute(lambda o: o.business.single_id if o.business else "")
    valid_from = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyAttribute(lambda o: o.valid_from + datetime.timedelta(days=364))
    particulars = factory.LazyFunction(dict)
    status = LicenceStatus.PENDING

    class Params:
        numbered = factory.Trait(
            sequence=factory.LazyFunction(lambda: next(_sequence)),
            number=factory.LazyAttribute(
                lambda o: chain.format_number(o.licence_type.code, o.issued_year, o.sequence)
            ),
            verification_provider="test-verify",
            verification_id=factory.LazyFunction(lambda: f"test-record-{next(_sequence):020d}"),
            verification_url=factory.LazyAttribute(
                lambda o: f"https://verify.test/verify/{o.verification_id}"
            ),
            sha256="0" * 64,
            published_at=factory.LazyFunction(timezone.now),
            issued_at=factory.LazyFunction(timezone.now),
        )
        pending = factory.Trait(status=LicenceStatus.PENDING)
        valid = factory.Trait(numbered=True, status=LicenceStatus.VALID, verification_status="VALID")
        suspended = factory.Trait(
            numbered=True, status=LicenceStatus.SUSPENDED, verification_status="SUSPENDED"
        )
        revoked = factory.Trait(numbered=True, status=LicenceStatus.REVOKED, verification_status="REVOKED")
        expired = factory.Trait(
            numbered=True,
            status=LicenceStatus.EXPIRED,
            verification_status="EXPIRED",
            valid_from=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=400)),
            valid_until=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=35)),
        )

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if not create or obj.status == LicenceStatus.PENDING:
            return
        LicenceEvent.objects.create(
            licence=obj, at=timezone.now(), kind=LicenceEvent.Kind.ISSUED, to_status=LicenceStatus.VALID
        )
        if obj.status != LicenceStatus.VALID:
            LicenceEvent.objects.create(
                licence=obj,
                at=timezone.now(),
                kind=obj.status,  # SUSPENDED, REVOKED and EXPIRED are also event kinds
                from_status=LicenceStatus.VALID,
                to_status=obj.status,
            )


def approved_directly(licence_type, applicant, *, approved_by=None):
    """An APPROVED application made directly, with its PENDING licence and outbox message written as the
    approval's signal writes them (`begin_issuance` in the same transaction). No registry or reference data:
    for tests that commit, where the session's reference data is not there."""
    from django.db import transaction

    from applications.models import Application
    from applications.models import Status as AppStatus
    from issuance.services.issuing import begin_issuance
    from tests.licensing.factories import FormDefinitionFactory

    form = licence_type.form_definitions.first() or FormDefinitionFactory(licence_type=licence_type)
    with transaction.atomic():
        application = Application.objects.create(
            licence_type=licence_type,
            form_definition=form,
            applicant=applicant,
            answers={"business_name_km": "ហាងលក់គ្រឿងទេស ស្រីស្រស់", "business_name_en": "Srey Sros Spices"},
            status=AppStatus.APPROVED,
            reference=f"ISS-2026-{next(_sequence):06d}",
            decided_at=timezone.now(),
        )
        begin_issuance(application, approved_by=approved_by)
    return application
