"""The applicant's pages through the Django test client: consent first, the form with prefill and Khmer
digits, bad input, uploads, check your answers with change links, submission, confirmation, status and
history, correction after a return, withdrawal, payment required, and nobody else's applications."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from applications.models import Application, Status
from tests.applications import factories
from tests.applications.conftest import make_applicant

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def url(name, application, **kwargs):
    return reverse(f"applications:{name}", kwargs={"public_id": application.public_id, **kwargs})


def business_step(application, **overrides):
    address = application.answers["address"]
    data = {
        "version": application.version,
        "address_province": address["province"],
        "address_district": address["district"],
        "address_commune": address["commune"],
        "address_village": address["village"],
        "address_house_number": address["house_number"],
        "address_street_name": "",
        "address_group_name": "",
        "activity": "4711",
        "employees": "១២",  # Khmer digits
        "kind": "a",
    }
    data.update(overrides)
    return data


def test_apply_asks_for_consent_first(client, owner, business, free_service):
    user = make_applicant(owner, consent=False)
    client.force_login(user)
    response = client.get(reverse("applications:start", args=[free_service.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("privacy:consent"))
    assert "next=" in response["Location"]
    assert Application.objects.count() == 0


def test_anonymous_is_sent_to_login(client, free_service):
    response = client.get(reverse("applications:start", args=[free_service.code]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_free_application_from_start_to_timeline(applicant_client, applicant, business, free_service):
    response = applicant_client.post(reverse("applications:start", args=[free_service.code]))
    application = Application.objects.get(applicant=applicant)
    assert response["Location"] == url("step", application, step="business")

    page = applicant_client.get(response["Location"]).content.decode()
    assert business.single_id in page
    assert "Prefilled" in page or "prefilled" in page

    # Wrong type: a clear message, nothing saved.
    response = applicant_client.post(
        url("step", application, step="business"), business_step(application, employees="many")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and 'href="#id_employees"' in body
    application.refresh_from_db()
    assert "employees" not in application.answers

    response = applicant_client.post(url("step", application, step="business"), business_step(application))
    assert response["Location"] == url("step", application, step="documents")
    application.refresh_from_db()
    assert application.answers["employees"] == 12

    # A PNG disguised as a PDF is refused.
    disguised = SimpleUploadedFile("id.pdf", PNG, content_type="application/pdf")
    response = applicant_client.post(
        url("step", application, step="documents"), {"version": application.version, "id_card": disguised}
    )
    assert response.status_code == 400
    assert not application.documents.exists()

    pdf = SimpleUploadedFile("id.pdf", factories.PDF_BYTES, content_type="application/pdf")
    response = applicant_client.post(
        url("step", application, step="documents"), {"version": application.version, "id_card": pdf}
    )
    assert response["Location"] == url("check", application)

    check = applicant_client.get(url("check", application)).content.decode()
    assert "id.pdf" in check and "4711" in check
    assert f"{url('step', application, step='business')}?return=check#id_employees" in check

    # Change one answer from check-your-answers and come back there.
    application.refresh_from_db()
    response = applicant_client.post(
        f"{url('step', application, step='business')}?return=check",
        business_step(application, employees="14"),
    )
    assert response["Location"] == url("check", application)

    application.refresh_from_db()
    response = applicant_client.post(url("submit", application), {"version": application.version})
    assert response["Location"] == url("confirmation", application)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.answers["employees"] == 14
    confirmation = applicant_client.get(url("confirmation", application)).content.decode()
    assert application.reference in confirmation

    detail = applicant_client.get(url("detail", application)).content.decode()
    assert "Application submitted" in detail and "Application started" in detail

    # Replayed posts after submission change nothing.
    response = applicant_client.post(
        url("step", application, step="business"), business_step(application, employees="99")
    )
    assert response.status_code == 302 and response["Location"] == url("detail", application)
    response = applicant_client.post(url("submit", application), {"version": application.version - 1})
    assert response["Location"] == url("confirmation", application)
    application.refresh_from_db()
    assert application.answers["employees"] == 14
    assert application.events.filter(to_status=Status.SUBMITTED).count() == 1


def test_stale_form_is_refused_without_losing_data(applicant_client, applicant, business, free_service):
    application = factories.filled(applicant, free_service, business)
    stale = business_step(application, employees="3")
    stale["version"] = application.version - 1
    response = applicant_client.post(url("step", application, step="business"), stale)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.answers["employees"] == 12


def test_someone_elses_application_is_404(client, stranger, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    client.force_login(stranger)
    for name, kwargs in [("detail", {}), ("check", {}), ("tasks", {}), ("step", {"step": "business"})]:
        assert client.get(url(name, application, **kwargs)).status_code == 404
    assert client.post(url("withdraw", application)).status_code == 404
    assert client.post(url("submit", application), {"version": 1}).status_code == 404
    document = application.documents.get()
    assert client.get(url("document", application, document_id=document.pk)).status_code == 404


def test_owner_downloads_own_document(applicant_client, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    document = application.documents.get()
    response = applicant_client.get(url("document", application, document_id=document.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_returned_application_is_corrected_and_history_shows_both(
    applicant_client, applicant, business, free_service
):
    application = factories.returned(applicant, free_service, business)
    detail = applicant_client.get(url("detail", application)).content.decode()
    assert "The number of employees is wrong." in detail

    page = applicant_client.get(url("step", application, step="business")).content.decode()
    assert 'name="employees"' in page and 'name="activity"' not in page
    response = applicant_client.post(
        url("step", application, step="business"),
        {"version": application.version, "employees": "20", "activity": "0111"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    response = applicant_client.post(url("submit", application), {"version": application.version})
    assert response["Location"] == url("confirmation", application)
    application.refresh_from_db()
    assert application.revision == 2 and application.answers["activity"] == "4711"
    detail = applicant_client.get(url("detail", application)).content.decode()
    assert "Corrected application resubmitted" in detail
    assert re.search(r"<td>12</td>\s*<td>20</td>", detail)


def test_withdraw(applicant_client, applicant, business, free_service):
    application = factories.submitted(applicant, free_service, business)
    assert applicant_client.get(url("withdraw", application)).status_code == 200
    applicant_client.post(url("withdraw", application), {"reason": "Mistake"})
    application.refresh_from_db()
    assert application.status == Status.REJECTED and application.closure == "WITHDRAWN"
    assert "Withdrawn by the applicant" in applicant_client.get(url("detail", application)).content.decode()


def test_paid_service_stops_at_payment(applicant_client, applicant, business, paid_service):
    application = factories.filled(applicant, paid_service, business)
    response = applicant_client.post(url("submit", application), {"version": application.version})
    assert response["Location"] == url("payment", application)
    # "payment required" is the payment page (payments: tests/payments/test_pages.py)
    page = applicant_client.get(url("payment", application), follow=True).content.decode()
    application.refresh_from_db()
    assert application.reference in page and "200,000" in page


def test_dashboard_lists_drafts_with_expiry_and_actions(
    applicant_client, applicant, business, free_service, paid_service
):
    draft = factories.draft(applicant, paid_service, business)
    returned = factories.returned(applicant, free_service, business)
    page = applicant_client.get(reverse("applications:dashboard")).content.decode()
    assert url("tasks", draft) in page
    assert "Deleted on" in page
    assert url("detail", returned) in page and "correct" in page


def test_submit_with_missing_answers_goes_back_to_check(applicant_client, applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    response = applicant_client.post(url("submit", application), {"version": application.version})
    assert response["Location"] == url("check", application)
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT


@pytest.mark.parametrize("version", ["", "abc", "٣", "9" * 30])
def test_junk_version_is_not_a_500(applicant_client, applicant, business, free_service, version):
    application = factories.filled(applicant, free_service, business)
    response = applicant_client.post(url("submit", application), {"version": version})
    assert response.status_code == 302


def test_unknown_service_and_step_are_404(applicant_client, applicant, business, free_service):
    assert applicant_client.get(reverse("applications:start", args=["NOPE"])).status_code == 404
    application = factories.draft(applicant, free_service, business)
    assert applicant_client.get(url("step", application, step="nope")).status_code == 404


def test_discard_draft(applicant_client, applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    applicant_client.post(url("discard", application))
    assert applicant_client.get(url("detail", application)).status_code == 404
    assert services.open_draft(applicant, free_service, None, business) is None


def test_start_applies_for_the_chosen_business_only_if_it_is_theirs(
    applicant_client, applicant, business, stranger, free_service
):
    from registry.models import Business

    other = Business.objects.exclude(pk=business.pk).first()
    start = reverse("applications:start", args=[free_service.code])
    response = applicant_client.post(start, {"business": str(other.pk)})
    assert response.status_code == 200 and not Application.objects.filter(applicant=applicant).exists()
    response = applicant_client.post(start, {"business": "self"})
    assert Application.objects.get(applicant=applicant).business is None
    response = applicant_client.post(start, {"business": str(business.pk)})
    assert Application.objects.filter(applicant=applicant, business=business).exists()


def _answers_section(html: str) -> str:
    start = html.index('data-testid="submitted-answers"')
    return html[start : html.index("</section>", start)]


def test_status_page_shows_the_submitted_answers_by_step_read_only(
    applicant_client, applicant, business, free_service
):
    application = factories.submitted(applicant, free_service, business)
    html = applicant_client.get(url("detail", application)).content.decode()

    answers = _answers_section(html)
    steps = [step.title for step in application.form_definition.steps.all()]
    positions = [answers.index(title) for title in steps]
    assert positions == sorted(positions)  # grouped by step, in the form's order
    employees = application.form_definition.fields.get(key="employees").label
    assert re.search(rf"{re.escape(employees)}</dt>\s*<dd[^>]*>\s*12\s*</dd>", answers)
    document = application.documents.get()
    assert url("document", application, document_id=document.pk) in answers
    # read-only: no inputs, no change links
    assert "<input" not in answers and "<form" not in answers and "return=check" not in answers


def test_status_page_shows_each_submitted_version(applicant_client, applicant, business, free_service):
    application = factories.returned(applicant, free_service, business)
    applicant_client.post(
        url("step", application, step="business"), {"version": application.version, "employees": "20"}
    )
    application.refresh_from_db()
    applicant_client.post(url("submit", application), {"version": application.version})

    latest = _answers_section(applicant_client.get(url("detail", application)).content.decode())
    first = _answers_section(applicant_client.get(url("detail", application) + "?version=1").content.decode())

    employees = re.escape(application.form_definition.fields.get(key="employees").label)
    assert "Version 2," in latest and re.search(rf"{employees}</dt>\s*<dd[^>]*>\s*20\s*</dd>", latest)
    assert "Version 1," in first and re.search(rf"{employees}</dt>\s*<dd[^>]*>\s*12\s*</dd>", first)
    assert 'href="?version=1#answers-title"' in latest and 'aria-current="page"' in latest
    junk = applicant_client.get(url("detail", application) + "?version=٣")  # not a 500, the latest shown
    assert junk.status_code == 200 and "Version 2," in _answers_section(junk.content.decode())


@pytest.fixture
def photo_service(reference_data, db):
    """A free service whose documents step also asks for photographs, several files allowed."""
    from licensing import services as catalog_services
    from licensing.models import DocumentRequirement
    from tests.licensing.factories import (
        DocumentTypeFactory,
        FormFieldFactory,
        LicenceTypeFactory,
        publish_valid_workflow,
        valid_form_draft,
    )

    licence_type = LicenceTypeFactory(fee_amount=0, processing_days=10)
    photos = DocumentTypeFactory(code="PREMISES_PHOTOS")
    DocumentRequirement.objects.create(
        licence_type=licence_type, document_type=photos, accepted_formats=["image/png"], max_size_mb=2
    )
    draft = valid_form_draft(licence_type)
    FormFieldFactory(
        step=draft.steps.get(key="documents"),
        key="photos",
        field_type="file",
        label_en="Photographs of the premises",
        validation={"document_type": "PREMISES_PHOTOS", "multiple": True},
    )
    catalog_services.publish_form(draft, None)
    publish_valid_workflow(licence_type)
    return licence_type


def _png(name: str) -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), (len(name), 0, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_photographs_take_several_files_each_checked(applicant_client, applicant, business, photo_service):
    application = factories.filled(applicant, photo_service, business)  # every answer and the ID card
    step_url = url("step", application, step="documents")

    page = applicant_client.get(step_url).content.decode()
    assert re.search(r'<input type="file" name="photos"[^>]*multiple', page)
    assert not re.search(r'<input type="file" name="id_card"[^>]*multiple', page)

    # one bad file among good ones: nothing stored, the message names the field and the file
    bad = SimpleUploadedFile("shop.pdf", factories.PDF_BYTES, content_type="application/pdf")
    response = applicant_client.post(
        step_url,
        {"version": application.version, "photos": [_png("a.png"), bad]},
    )
    assert response.status_code == 400
    assert "“Photographs of the premises”, shop.pdf: Upload a PNG file." in response.content.decode()
    assert not application.documents.filter(field_key="photos").exists()

    application.refresh_from_db()
    response = applicant_client.post(
        step_url,
        {
            "version": application.version,
            "photos": [_png("front.png"), _png("inside.png"), _png("sign.png")],
        },
    )
    assert response.status_code == 302
    current = services.current_document_files(application)["photos"]
    assert [d.original_name for d in current] == ["front.png", "inside.png", "sign.png"]
    assert [d.position for d in current] == [0, 1, 2]
    check = applicant_client.get(url("check", application)).content.decode()
    assert "front.png<br>inside.png<br>sign.png" in check
    step_page = applicant_client.get(step_url).content.decode()
    assert "Current files: front.png, inside.png, sign.png" in step_page and "(optional)" not in step_page

    # choosing again replaces the set; the submitted version lists every current file
    application.refresh_from_db()
    applicant_client.post(step_url, {"version": application.version, "photos": [_png("new.png")]})
    assert [d.original_name for d in services.current_document_files(application)["photos"]] == ["new.png"]
    assert application.documents.filter(field_key="photos", replaced_at__isnull=False).count() == 3
    application.refresh_from_db()
    applicant_client.post(url("submit", application), {"version": application.version})
    application.refresh_from_db()
    revision = application.revisions.get()
    assert set(revision.document_ids) == {
        d.pk for found in services.current_document_files(application).values() for d in found
    }
    detail = applicant_client.get(url("detail", application)).content.decode()
    assert "new.png" in _answers_section(detail)


def test_a_new_form_version_never_shows_in_an_application_filed_under_the_old_one(
    applicant_client, applicant, business, free_service
):
    """The form of each version is read once per process (licensing.form_cache): after a new version is
    published, an application filed under the old one keeps the old questions (and can be submitted without
    the new ones); an application started afterwards gets the new version's questions."""
    from licensing import services as catalog_services
    from licensing.models import FormDefinition
    from tests.licensing.factories import FormFieldFactory

    old = factories.filled(applicant, free_service, business)
    assert applicant_client.get(url("check", old)).status_code == 200  # the old version is now cached
    v2 = catalog_services.create_draft_version(free_service, catalog_services.FORM)
    FormFieldFactory(
        step=v2.steps.get(key="business"), key="licence_note", label_en="Licence note", required=True
    )
    catalog_services.publish_form(v2)
    assert FormDefinition.objects.get(pk=old.form_definition_id).status == "RETIRED"

    page = applicant_client.get(url("check", old)).content.decode()
    assert "Licence note" not in page and "Some required answers are missing" not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    posted = {"csrfmiddlewaretoken": token, "version": old.version}
    response = applicant_client.post(url("submit", old), posted)
    assert response["Location"] == url("confirmation", old)

    new = factories.draft(applicant, free_service, business)
    assert new.form_definition_id == v2.pk
    page = applicant_client.get(url("check", new)).content.decode()
    assert "Licence note" in page and "Some required answers are missing" in page
