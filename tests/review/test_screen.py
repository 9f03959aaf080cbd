"""The officer's review screen (/backoffice/review/<public id>/): everything needed to decide on one page,
limited to the officer's scope (404 otherwise), each look written to the applicant's data-access log; and the
documents it previews, served inline or as a download under the same scope."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from accounts.models import OfficerAssignment, Role, User
from applications import services as application_services
from applications.models import ApplicationEvent
from privacy.models import DataAccess
from tests.applications import factories
from tests.licensing.factories import (
    DepartmentFactory,
    InstitutionFactory,
    LicenceTypeFactory,
    publish_valid_form,
    publish_valid_workflow,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def officer_at(institution, *, username="officer", role="reception_officer", department=None) -> User:
    user = User.objects.create_user(
        username=username, full_name_en=f"{username.title()} Officer", is_staff=True
    )
    OfficerAssignment.objects.create(
        user=user, role=Role.objects.get(code=role), institution=institution, department=department
    )
    return user


@pytest.fixture
def officer(free_service):
    return officer_at(free_service.institution)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def screen_url(application, **query) -> str:
    url = reverse("review:screen", kwargs={"public_id": application.public_id})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def document_url(application, document) -> str:
    return reverse("review:document", kwargs={"public_id": application.public_id, "document_id": document.pk})


def resubmitted(applicant, licence_type, business, officer):
    """Returned for the number of employees, corrected (12 → 15) and sent again: two versions."""
    application = factories.returned(applicant, licence_type, business, officer)
    step = application.form_definition.steps.get(key="business")
    application = application_services.save_step(
        application, applicant, step, answers={"employees": 15}, uploads={}, version=application.version
    )
    return application_services.submit(application, applicant, version=application.version)


def _section(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}".*?</section>', html, re.S)
    assert match, f"no {testid} section"
    return match.group(0)


# --- what the screen shows --------------------------------------------------------------------------------


def test_screen_shows_header_answers_prefill_documents_and_history(
    officer_client, officer, applicant, business, free_service
):
    application = factories.submitted(applicant, free_service, business)
    response = officer_client.get(screen_url(application))
    assert response.status_code == 200
    html = response.content.decode()

    header = _section(html, "review-header")
    assert application.reference in header
    assert business.single_id in header and business.name in header
    assert applicant.display_name in header
    assert "Submitted" in header

    answers = _section(html, "answers")
    assert "Step" in answers  # the form's step titles group the answers
    # 12 employees, as the applicant declared; the Single ID and address came from the business register
    assert re.search(r'data-field="employees".*?12', answers, re.S)
    assert answers.count('data-testid="prefilled-from"') == 2
    assert "Prefilled from the business register" in answers
    assert "the applicant could not change it" in answers  # the Single ID is locked
    assert 'data-testid="registry-difference"' not in answers  # nothing changed since

    document = application.documents.get()
    documents = _section(html, "documents")
    assert document.original_name in documents
    assert f'src="{document_url(application, document)}"' in documents  # previewed in an iframe
    assert f'href="{document_url(application, document)}?download=1"' in documents
    assert "<iframe" in documents

    history = _section(html, "history")
    assert "Application submitted" in history
    # Rendered inside the back-office shell (unfold's page and sidebar), with its stylesheet.
    assert 'id="page"' in html and "review/review.css" in html


def test_registry_value_that_changed_since_is_shown_beside_the_declared_one(
    officer_client, applicant, business, free_service
):
    application = factories.submitted(applicant, free_service, business)
    business.house_number = "99B"
    business.save()

    answers = _section(officer_client.get(screen_url(application)).content.decode(), "answers")
    assert 'data-testid="registry-differences"' in answers
    difference = re.search(r'<div class="[^"]*" data-field="address".*?</dl>', answers, re.S).group(0)
    assert "rv-answer--differs" in difference
    assert "Declared" in difference and "Registry now" in difference
    assert "99B" in difference  # today's registry value
    single_id = re.search(r'<div class="[^"]*" data-field="single_id".*?</dd>', answers, re.S).group(0)
    assert "rv-answer--differs" not in single_id  # only what differs is highlighted


def test_a_phone_number_spaced_differently_in_the_registry_is_not_a_difference():
    """The form stores "02388101" for the register's "023 88101": the officer is not told they differ."""
    from types import SimpleNamespace

    from licensing.models import FormField
    from review.presentation import _registry_check

    phone = FormField(key="business_phone", field_type="phone")
    application = SimpleNamespace(prefilled={"business_phone": "business.phone"}, locked_fields=[])

    def check(registry_value: str):
        return _registry_check(
            application, phone, "02388101", SimpleNamespace(values={"business_phone": registry_value})
        )

    assert not check("023 88101").differs
    assert not check("023  881 01").differs
    changed = check("023 88102")
    assert changed.differs and changed.now == "023 88102"


def test_earlier_versions_and_what_changed(officer_client, officer, applicant, business, free_service):
    application = resubmitted(applicant, free_service, business, officer)
    html = officer_client.get(screen_url(application)).content.decode()
    answers = _section(html, "answers")
    assert 'aria-current="page">Version 2' in answers
    assert re.search(r'data-field="employees".*?Changed in this version.*?15', answers, re.S)
    changes = _section(html, "changes")
    assert "12" in changes and "15" in changes

    earlier = officer_client.get(screen_url(application, version=1)).content.decode()
    answers = _section(earlier, "answers")
    assert "This is an earlier version." in answers
    assert re.search(r'data-field="employees".*?12', answers, re.S)
    assert "Changed in this version" not in answers
    # An unknown or malformed version shows the latest, never an error.
    for junk in ("99", "abc", "-1"):
        latest = officer_client.get(screen_url(application, version=junk))
        assert latest.status_code == 200
        assert 'aria-current="page">Version 2' in latest.content.decode()


def test_history_shows_who_and_when_and_internal_notes_apart(
    officer_client, officer, applicant, business, free_service
):
    application = factories.reviewing(applicant, free_service, business, officer)
    application = application_services.return_for_correction(
        application,
        officer,
        fields=["employees"],
        message="Please give the number on your payroll.",
        internal_note="Payroll says 15; check with the labour inspectorate.",
    )
    html = officer_client.get(screen_url(application)).content.decode()
    history = _section(html, "history")
    assert "Returned to you for correction" in history
    assert "Received by the institution" in history
    assert officer.display_name in history
    assert "Please give the number on your payroll." in history
    assert "labour inspectorate" not in history  # internal notes are not in the applicant's history

    notes = _section(html, "internal-notes")
    assert "Internal — officers only" in notes
    assert "labour inspectorate" in notes and officer.display_name in notes

    callout = re.search(r'data-testid="correction-request".*?</div>', html, re.S).group(0)
    assert "Returned to the applicant for correction" in callout


def test_events_and_documents_need_no_permission_beyond_reading_applications(
    officer_client, applicant, business, free_service
):
    """The screen shows the history and the documents to whoever may read the application: it does not
    depend on the model permissions of events and documents (the admin's inlines do)."""
    application = factories.submitted(applicant, free_service, business)
    role = Role.objects.get(code="reception_officer")
    role.permissions.remove(
        *role.permissions.filter(codename__in=["view_applicationevent", "view_applicationdocument"])
    )
    html = officer_client.get(screen_url(application)).content.decode()
    assert "Application submitted" in _section(html, "history")
    assert application.documents.get().original_name in _section(html, "documents")


def test_each_look_is_written_to_the_applicants_access_log(
    officer_client, officer, applicant, business, free_service
):
    application = factories.submitted(applicant, free_service, business)
    officer_client.get(screen_url(application))
    rows = DataAccess.objects.filter(purpose="REVIEW", accessor_user=officer)
    whats = set(rows.values_list("what", flat=True))
    assert "application and its documents" in whats
    assert "business registry record" in whats  # read for the comparison with the registry
    assert all(row.object_ref == application.reference and row.subject_user == applicant for row in rows)


def test_query_count_does_not_grow_with_history(
    officer_client, officer, applicant, business, free_service, django_assert_max_num_queries
):
    application = factories.submitted(applicant, free_service, business)
    with django_assert_max_num_queries(35) as first:
        officer_client.get(screen_url(application))
    for _ in range(5):
        ApplicationEvent.objects.create(
            application=application,
            at=application.submitted_at,
            kind=ApplicationEvent.Kind.MESSAGE,
            title_km="សារ",
            title_en="Message from the officer",
            message="Hello",
            internal_note="note",
            actor=officer,
            actor_kind=ApplicationEvent.ActorKind.OFFICER,
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        officer_client.get(screen_url(application))


# --- who may see it -----------------------------------------------------------------------------------------


def test_officer_of_another_institution_gets_404_and_nothing_is_logged(
    client, applicant, business, free_service
):
    application = factories.submitted(applicant, free_service, business)
    client.force_login(officer_at(InstitutionFactory(), username="elsewhere"))
    assert client.get(screen_url(application)).status_code == 404
    document = application.documents.get()
    assert client.get(document_url(application, document)).status_code == 404
    assert not DataAccess.objects.filter(purpose="REVIEW").exists()


def test_department_limits_what_an_officer_sees(client, applicant, business, free_service):
    inspection = DepartmentFactory(institution=free_service.institution)
    free_service.department = DepartmentFactory(institution=free_service.institution)
    free_service.save()
    application = factories.submitted(applicant, free_service, business)

    # A technical officer of another department: outside the service's department and not eligible at
    # any step of its workflow (the technical step names a department of its own).
    client.force_login(
        officer_at(
            free_service.institution, username="other-dept", role="technical_officer", department=inspection
        )
    )
    assert client.get(screen_url(application)).status_code == 404

    client.force_login(
        officer_at(free_service.institution, username="same-dept", department=free_service.department)
    )
    assert client.get(screen_url(application)).status_code == 200


def test_drafts_unknown_and_malformed_ids_are_404(officer_client, applicant, business, free_service):
    draft = factories.filled(applicant, free_service, business)
    assert officer_client.get(screen_url(draft)).status_code == 404
    assert officer_client.get(reverse("review:screen", kwargs={"public_id": uuid.uuid4()})).status_code == 404
    assert officer_client.get("/backoffice/review/not-a-uuid/").status_code == 404
    document = draft.documents.get()
    assert officer_client.get(document_url(draft, document)).status_code == 404


def test_staff_without_the_permission_gets_404(client, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    # the report viewer's role reads no application
    client.force_login(officer_at(free_service.institution, username="reports", role="report_viewer"))
    assert client.get(screen_url(application)).status_code == 404


def test_anonymous_and_applicants_are_sent_to_the_backoffice_login(client, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    response = client.get(screen_url(application))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    client.force_login(applicant)  # not staff
    response = client.get(screen_url(application))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_screen_refuses_post(officer_client, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    assert officer_client.post(screen_url(application)).status_code in (403, 405)


# --- documents ---------------------------------------------------------------------------------------------


def test_document_inline_for_the_preview_and_as_attachment_for_download(
    officer_client, officer, applicant, business, free_service
):
    application = factories.submitted(applicant, free_service, business)
    document = application.documents.get()

    inline = officer_client.get(document_url(application, document))
    assert inline.status_code == 200
    assert b"".join(inline.streaming_content) == factories.PDF_BYTES
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Content-Type-Options"] == "nosniff"
    assert inline["X-Frame-Options"] == "SAMEORIGIN"  # the review screen frames it
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    assert "default-src 'none'" in inline["Content-Security-Policy"]
    assert "no-store" in inline["Cache-Control"]
    assert not DataAccess.objects.filter(what="document downloaded").exists()

    download = officer_client.get(document_url(application, document) + "?download=1")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download["Content-Security-Policy"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert DataAccess.objects.filter(what="document downloaded", accessor_user=officer).count() == 1


def test_document_of_another_application_is_404(officer_client, applicant, business, free_service):
    mine = factories.submitted(applicant, free_service, business)
    second_service = LicenceTypeFactory(institution=free_service.institution, fee_amount=0)
    publish_valid_form(second_service)
    publish_valid_workflow(second_service)
    other = factories.submitted(applicant, second_service, business)
    other_document = other.documents.get()
    # a document id of another application, under this application's URL
    assert officer_client.get(document_url(mine, other_document)).status_code == 404


def test_document_of_another_institution_is_404(client, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    client.force_login(officer_at(InstitutionFactory(), username="elsewhere"))
    document = application.documents.get()
    assert client.get(document_url(application, document)).status_code == 404
    assert client.get(document_url(application, document) + "?download=1").status_code == 404
