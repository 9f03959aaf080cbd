# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""Licences in named lifecycle states for the lifecycle, pages and register tests (the issuance chain's own
factories are tests/issuance/factories.py): an approved application → pending → valid → suspended / revoked /
expired, each reached through `issuance.services.history` (the one transition service), and fixtures for
the holder, a stranger, officers of the licence's institution and of another one.

The application is approved through `applications.services.change_status`, as the review does; if the
issuance chain already made the application's PENDING licence on approval, that row is the one brought to the
named state (one licence per application)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from applications import services as application_services
from applications.models import Application, Status

# Registers the outbox handler of `issuance.sync_verification` (issuance/tasks.py imports it once merged).
from issuance import lifecycle_tasks  # noqa: F401
from issuance.models import Licence, LicenceEvent, LicenceStatus
from issuance.services import history
from issuance.verification import RecordState, RecordStatus, VerificationError, VerificationProvider
from licensing.models import LicenceService
from tests.applications import factories as application_factories
from tests.applications.conftest import (  # noqa: F401 - fixtures
    _english,
    applicant,
    applicant_client,
    business,
    free_service,
    owner,
    stranger,
)
from tests.licensing.factories import InstitutionFactory, LicenceServiceFactory
from tests.review.factories import officer

_numbers = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def approved(user, licence_type, business=None) -> Application:
    application = application_factories.reviewing(user, licence_type, business)
    return application_services.change_status(application, Status.APPROVED, title="approved")


def pending_licence(user, licence_type, business=None, *, application: Application | None = None) -> Licence:
    """The PENDING row the chain makes on approval (made here when the chain has not)."""
    application = application or approved(user, licence_type, business)
    licence = Licence.objects.filter(application=application).first()
    if licence is None:
        licence = Licence.objects.create(
            application=application,
            licence_type=licence_type,
            business=business,
            issued_year=timezone.localdate().year,
            holder_name_km=business.name_km if business else "ម្ចាស់",
            holder_name_en=business.name_en if business else "Holder",
            single_id=business.single_id if business else "",
            valid_from=timezone.localdate(),
        )
    return licence


def valid_licence(
    user,
    licence_type,
    business=None,
    *,
    valid_until: datetime.date | None = None,
    holder_km: str = "",
    holder_en: str = "",
    single_id: str = "",
    with_pdf: bool = True,
    application: Application | None = None,
) -> Licence:
    """Issued: numbered, registered for verification (record `rec-<n>`, told VALID), with a stored PDF."""
    licence = pending_licence(user, licence_type, business, application=application)
    n = next(_numbers)
    today = timezone.localdate()
    licence.number = f"{licence_type.code}-{today.year}-{n:06d}"
    licence.sequence = n
    licence.valid_from = today
    licence.valid_until = valid_until if valid_until is not None else today + datetime.timedelta(days=365)
    licence.verification_provider = "test"
    licence.verification_id = f"rec-{n}"
    licence.verification_status = LicenceStatus.VALID
    licence.issued_at = timezone.now()
    if holder_km:
        licence.holder_name_km = holder_km
    if holder_en:
        licence.holder_name_en = holder_en
    if single_id:
        licence.single_id = single_id
    if with_pdf:
        licence.pdf.save(f"{licence.public_id}.pdf", ContentFile(PDF), save=False)
    licence.save()
    with transaction.atomic():
        locked = history.lock(licence)
        history.transition(locked, LicenceStatus.VALID, LicenceEvent.Kind.ISSUED)
    licence.refresh_from_db()
    return licence


def _moved(licence: Licence, to_status: str, kind: str, reason: str) -> Licence:
    with transaction.atomic():
        locked = history.lock(licence)
        history.transition(locked, to_status, kind, reason=reason)
    Licence.objects.filter(pk=licence.pk).update(verification_status=to_status)
    licence.refresh_from_db()
    return licence


def suspended_licence(user, licence_type, business=None, **kwargs) -> Licence:
    licence = valid_licence(user, licence_type, business, **kwargs)
    return _moved(licence, LicenceStatus.SUSPENDED, LicenceEvent.Kind.SUSPENDED, "Inspection pending.")


def revoked_licence(user, licence_type, business=None, **kwargs) -> Licence:
    licence = valid_licence(user, licence_type, business, **kwargs)
    return _moved(licence, LicenceStatus.REVOKED, LicenceEvent.Kind.REVOKED, "Fraudulent declaration.")


def expired_licence(user, licence_type, business=None, *, days_ago: int = 10, **kwargs) -> Licence:
    today = timezone.localdate()
    licence = valid_licence(
        user, licence_type, business, valid_until=today - datetime.timedelta(days=days_ago), **kwargs
    )
    licence = _moved(licence, LicenceStatus.EXPIRED, LicenceEvent.Kind.EXPIRED, "Validity ended.")
    application_services.change_status(licence.application, Status.EXPIRED, title="expired")
    return licence


def change_service(licence_type, kind: str) -> LicenceService:
    return LicenceServiceFactory(
        licence_type=licence_type, kind=kind, name_km="សេវា", name_en=f"{kind} service"
    )


class RecordingProvider(VerificationProvider):
    """A verification provider that remembers what it was told (and can be made to fail)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.fail = fail

    def set_status(self, record_id: str, status: str, *, reason: str = "") -> RecordState:
        if self.fail:
            raise VerificationError("verification service unavailable")
        self.calls.append((record_id, str(status), reason))
        return RecordState(record_id=record_id, status=RecordStatus(status), reason=reason)


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def service(free_service):
    return free_service


@pytest.fixture
def licence(applicant, service, business):
    return valid_licence(applicant, service, business)


@pytest.fixture
def status_officer(service):
    """The approving director of the licence's institution (may suspend, reinstate, revoke)."""
    return officer("approver", service.institution, name="Approving Director")


@pytest.fixture
def viewing_officer(service):
    """A reception officer of the licence's institution: sees the register, changes nothing."""
    return officer("reception_officer", service.institution, name="Reception Officer")


@pytest.fixture
def foreign_officer(reference_data, db):
    """An approving director of another institution."""
    return officer("approver", InstitutionFactory(), name="Foreign Director")


__all__ = [
    "PDF",
    "RecordingProvider",
    "approved",
    "change_service",
    "expired_licence",
    "pending_licence",
    "revoked_licence",
    "suspended_licence",
    "valid_licence",
]
