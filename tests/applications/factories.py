"""Applications in named lifecycle states, reached through the services (so history and revisions are
what the real path produces): draft → filled → submitted → reviewing → returned → resubmitted, withdrawn."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.demo import one_page_pdf
from applications.models import Application
from applications.uploads import check_upload

PDF_BYTES = one_page_pdf()

# Answers to tests/licensing/factories.valid_form_draft beyond what the registry prefills.
ANSWERS = {"activity": "4711", "employees": 12, "kind": "a"}


def pdf_upload(name: str = "id-card.pdf"):
    return check_upload(
        SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf"), formats=["PDF"], max_size_mb=5
    )


def draft(user, licence_type, business=None) -> Application:
    return services.start_application(user, licence_type, business=business)


def filled(user, licence_type, business=None) -> Application:
    application = draft(user, licence_type, business)
    steps = list(application.form_definition.steps.order_by("order"))
    application = services.save_step(
        application, user, steps[0], answers=ANSWERS, uploads={}, version=application.version
    )
    return services.save_step(
        application,
        user,
        steps[1],
        answers={},
        uploads={"id_card": pdf_upload()},
        version=application.version,
    )


def submitted(user, licence_type, business=None) -> Application:
    application = filled(user, licence_type, business)
    return services.submit(application, user, version=application.version)


def reviewing(user, licence_type, business=None, officer=None) -> Application:
    return services.mark_received(submitted(user, licence_type, business), officer)


def returned(user, licence_type, business=None, officer=None, fields=("employees",)) -> Application:
    application = reviewing(user, licence_type, business, officer)
    return services.return_for_correction(
        application, officer, fields=list(fields), message="The number of employees is wrong."
    )


__all__ = [
    "ANSWERS",
    "PDF_BYTES",
    "draft",
    "filled",
    "one_page_pdf",
    "pdf_upload",
    "returned",
    "reviewing",
    "submitted",
]
