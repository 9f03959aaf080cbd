"""Fixtures of the Part 5 endpoint tests: a business with its owner, applications of it in the named
lifecycle states (reached through the services, so timelines and revisions are the real ones), an issued
licence, and another business's application. Import them by name into a test module."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from applications import services as application_services
from applications.models import Application, Status
from issuance.models import Licence
from tests.applications import factories as application_factories
from tests.applications.conftest import (  # noqa: F401 - fixtures
    _english,
    applicant,
    business,
    free_service,
    make_applicant,
    owner,
    paid_service,
)
from tests.licensing.factories import LicenceServiceFactory
from tests.registry.factories import BusinessFactory, PersonFactory, _address


@pytest.fixture
def api_service(free_service):
    """The free licence type with a NEW service (its code is what `services[]` and `service_type` say)."""
    return free_service, LicenceServiceFactory(licence_type=free_service)


def submitted_with_service(user, licence_type, service, business) -> Application:
    application = application_services.start_application(
        user, licence_type, service=service, business=business
    )
    steps = list(application.form_definition.steps.order_by("order"))
    application = application_services.save_step(
        application,
        user,
        steps[0],
        answers=application_factories.ANSWERS,
        uploads={},
        version=application.version,
    )
    application = application_services.save_step(
        application,
        user,
        steps[1],
        answers={},
        uploads={"id_card": application_factories.pdf_upload()},
        version=application.version,
    )
    return application_services.submit(application, user, version=application.version)


@pytest.fixture
def submitted_app(applicant, business, api_service) -> Application:
    licence_type, service = api_service
    return submitted_with_service(applicant, licence_type, service, business)


@pytest.fixture
def approved_app(applicant, business, api_service) -> Application:
    """Approved, with an issued (VALID-looking) licence row: number and expiry date."""
    licence_type, service = api_service
    application = submitted_with_service(applicant, licence_type, service, business)
    application = application_services.mark_received(application, None)
    application = application_services.change_status(
        application,
        Status.APPROVED,
        title="approved",
        message="Approved: keep the licence on display.",
        internal_note="SECRET NOTE: checked by phone",
    )
    licence = Licence.objects.filter(application=application).first() or Licence(
        application=application,
        licence_type=licence_type,
        business=business,
        issued_year=timezone.localdate().year,
        holder_name_km=business.name_km,
        holder_name_en=business.name_en,
        single_id=business.single_id,
        valid_from=timezone.localdate(),
    )
    licence.number = f"{licence_type.code}-2026-000001"
    licence.valid_until = datetime.date(2027, 6, 30)
    licence.save()
    application.refresh_from_db()
    return application


@pytest.fixture
def other_app(reference_data, api_service) -> Application:
    """An application of another business, filed by its own owner."""
    person = PersonFactory(identity_number="099887766")
    other = BusinessFactory(owner=person, name_en="Mekong Rice Mill", name_km="រោងម៉ាស៊ីនកិនស្រូវ មេគង្គ")
    for name, value in _address().items():
        setattr(other, name, value)
    other.save()
    user = make_applicant(person, username="other-owner")
    licence_type, service = api_service
    return submitted_with_service(user, licence_type, service, other)
