"""Officers read submitted applications of their own institution in the back-office; each look is written
to the applicant's data-access log. Drafts are the applicant's alone."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import OfficerAssignment, Role, User
from privacy.models import DataAccess
from tests.applications import factories
from tests.licensing.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def officer_at(institution, username="officer") -> User:
    user = User.objects.create_user(username=username, full_name_en="Officer One", is_staff=True)
    OfficerAssignment.objects.create(
        user=user, role=Role.objects.get(code="reception_officer"), institution=institution
    )
    return user


def test_officer_sees_own_institution_submitted_applications_and_is_logged(
    client, applicant, business, free_service
):
    submitted = factories.submitted(applicant, free_service, business)
    draft = factories.draft(applicant, free_service)
    client.force_login(officer_at(free_service.institution))

    changelist = client.get("/backoffice/applications/application/")
    assert changelist.status_code == 200
    assert submitted.reference in changelist.content.decode()
    assert client.get(f"/backoffice/applications/application/{draft.pk}/change/").status_code in (302, 404)

    page = client.get(f"/backoffice/applications/application/{submitted.pk}/change/")
    assert page.status_code == 200
    access = DataAccess.objects.get(purpose="REVIEW")
    assert access.subject_user == applicant and access.object_ref == submitted.reference

    # The record links to the review screen, where officers decide.
    link = f"/backoffice/applications/application/{submitted.pk}/review-screen/"
    with translation.override("km"):  # the back-office's default language
        label = translation.gettext("Open the review screen")
    assert link in page.content.decode() and label in page.content.decode()
    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"] == f"/backoffice/review/{submitted.public_id}/"
    assert client.get(f"/backoffice/applications/application/{draft.pk}/review-screen/").status_code == 404


def test_officer_of_another_institution_sees_nothing(client, applicant, business, free_service):
    submitted = factories.submitted(applicant, free_service, business)
    client.force_login(officer_at(InstitutionFactory(), username="elsewhere"))
    changelist = client.get("/backoffice/applications/application/")
    assert submitted.reference not in changelist.content.decode()
    page = client.get(f"/backoffice/applications/application/{submitted.pk}/change/")
    assert page.status_code in (302, 404)
    link = f"/backoffice/applications/application/{submitted.pk}/review-screen/"
    assert client.get(link).status_code == 404
    assert not DataAccess.objects.filter(purpose="REVIEW").exists()
