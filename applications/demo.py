"""Demo applications for `make run`: one applicant whose portal shows every kind of row — an application
under review, one returned for correction with the officer's message, a paid service waiting for payment, and
an approved application whose licence is issued.

Idempotent: the applications are made once for the demo applicant (through the services, so references,
revisions and the timeline are what the real path produces).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from pypdf import PdfWriter

from accounts.models import User
from applications import services
from applications.models import Application
from applications.prefill import address_of
from applications.uploads import check_upload
from licensing.selectors import catalog_services
from privacy import selectors as privacy_selectors
from privacy import services as privacy_services
from privacy.models import ConsentPurpose
from registry.models import Business, BusinessRole


def one_page_pdf() -> bytes:
    """A real one-page PDF for demo data, tests and benchmarks: uploads are parsed in full
    (applications.uploads), so a hand-written PDF header is not enough."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# Answers for fields the registries cannot fill, by field type.
_SAMPLE = {
    "text": "Demo",
    "textarea": "Demo answer.",
    "number": 5,
    "decimal": "120.50",
    "date": "2026-01-15",
    "email": "demo@example.com",
    "phone": "+85512345678",
    "boolean": True,
    "isic_activity": "4711",
}


def demo_applicant_person():
    """The second owner of the demo registry (the first one is left with an empty portal for a clean
    walk-through of a new application)."""
    roles = BusinessRole.objects.filter(role=BusinessRole.Role.OWNER).select_related("person", "business")
    owners = list(roles.order_by("person_id").distinct("person_id")[:2])
    return owners[1] if len(owners) > 1 else None


def demo_applicant() -> User | None:
    """The demo applicant's account, once `seed` has made it."""
    from accounts.selectors import user_by_personal_code

    role = demo_applicant_person()
    return user_by_personal_code(role.person.identity_number) if role is not None else None


def _user_for(role: BusinessRole) -> User:
    person = role.person
    from accounts.selectors import user_by_personal_code

    user = user_by_personal_code(person.identity_number)
    if user is None:
        user = User.objects.create_user(
            username=f"demo-{person.pk}",
            full_name_km=f"{person.last_name_km} {person.first_name_km}".strip(),
            full_name_en=f"{person.last_name_en} {person.first_name_en}".strip(),
            email=person.email or f"owner{person.pk}@example.com",
            personal_code=person.identity_number,
        )
        user.set_unusable_password()
        user.save()
    if not privacy_selectors.has_consent(user):
        text = privacy_selectors.current_text(ConsentPurpose.CAMDX_CLUSTER)
        privacy_services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, text)
    return user


def _sample(form_field):
    if form_field.field_type in ("choice", "multichoice"):
        value = form_field.choices[0]["value"] if form_field.choices else ""
        return [value] if form_field.field_type == "multichoice" else value
    if form_field.field_type == "gazetteer_address":
        return None
    return _SAMPLE.get(form_field.field_type)


def _fill(application: Application, user: User) -> Application:
    for step in application.form_definition.steps.order_by("order"):
        answers, uploads = {}, {}
        for form_field in step.fields.order_by("order"):
            if form_field.key in application.answers:
                continue
            if form_field.field_type == "file":
                upload = SimpleUploadedFile(
                    f"{form_field.key}.pdf", one_page_pdf(), content_type="application/pdf"
                )
                uploads[form_field.key] = check_upload(upload, formats=["PDF"], max_size_mb=5)
            elif form_field.field_type == "gazetteer_address" and application.business:
                answers[form_field.key] = address_of(application.business)
            else:
                value = _sample(form_field)
                if value is not None:
                    answers[form_field.key] = value
        application = services.save_step(
            application, user, step, answers=answers, uploads=uploads, version=application.version
        )
    return application


def seed(out=None, **options) -> None:
    if settings.IS_PRODUCTION:
        return
    role = demo_applicant_person()
    if role is None:
        return
    user = _user_for(role)
    business: Business = role.business
    if Application.objects.filter(applicant=user).exists():
        return
    free = [lt for lt in catalog_services() if lt.is_free]
    paid = [lt for lt in catalog_services() if not lt.is_free]
    made = 0
    with transaction.atomic():
        if free:
            reviewing = _fill(services.start_application(user, free[0], business=business), user)
            # received and returned by demo officers through the review (review.demo, the next step)
            services.submit(reviewing, user, version=reviewing.version)
            made += 1
        if paid:
            # waits for its fee; payments.demo pays it in the Bakong sandbox (the next step), which submits it
            returned = _fill(services.start_application(user, paid[0], business=business), user)
            services.submit(returned, user, version=returned.version)
            made += 1
        if len(paid) > 1:
            waiting = _fill(services.start_application(user, paid[1], business=business), user)
            services.submit(waiting, user, version=waiting.version)
            made += 1
        if free:
            # approved by demo officers (review.demo), so the demo shows an issued licence, a decided
            # application in the Part 5 API, and approvals on the dashboard and in reports
            approved = _fill(services.start_application(user, free[0], business=business), user)
            services.submit(approved, user, version=approved.version)
            made += 1
    if out is not None:
        out.write(f"applications: {made} demo applications for {user.full_name_en} ({business.name_en})")


def logins() -> list[tuple[str, str]]:
    if settings.IS_PRODUCTION:
        return []
    role = demo_applicant_person()
    if role is None:
        return []
    person = role.person
    return [
        (
            f"{person.last_name_en} {person.first_name_en} ({person.identity_number})",
            f"applicant with applications for {role.business.name_en}: one under review, one returned for "
            "correction, one waiting for payment, one approved",
        )
    ]
