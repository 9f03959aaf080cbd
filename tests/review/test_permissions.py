"""The review roles' permissions (page 5 shows them translated), and the rejection reasons' back-office page:
service administrators maintain the list, reviewers read it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from accounts.admin import permission_label
from accounts.models import Role
from review.models import RejectionReason
from review.reasons import DEFAULT_REASONS, seed_rejection_reasons
from tests.licensing.factories import InstitutionFactory
from tests.review import factories

pytestmark = pytest.mark.django_db


def _codes(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Role.objects.get(code=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_review_roles_hold_their_permissions():
    seen = {
        "review.view_reviewtask",
        "review.view_reviewaction",
        "review.view_internalnote",
        "review.view_rejectionreason",
        "applications.view_applicationevent",
        "applications.view_applicationdocument",
    }
    for role in ("reception_officer", "technical_officer", "head_of_office", "approver"):
        assert seen <= _codes(role), role
    assert "review.approve_application" in _codes("approver")
    assert "review.approve_application" not in _codes("head_of_office")
    assert "review.supervise_reviewtask" in _codes("head_of_office")
    assert "review.supervise_reviewtask" not in _codes("technical_officer")
    assert {"review.add_rejectionreason", "review.change_rejectionreason"} <= _codes("service_administrator")


def test_custom_permissions_read_in_the_users_language():
    permission = Permission.objects.get(codename="approve_application")
    assert permission_label(permission) == "Can approve applications (approving authority)"


def test_the_default_rejection_reasons_are_bilingual_and_seeded_once():
    seed_rejection_reasons()
    assert seed_rejection_reasons() == 0
    reasons = RejectionReason.objects.filter(code__in=[code for code, _km, _en in DEFAULT_REASONS])
    assert reasons.count() == len(DEFAULT_REASONS)
    assert all(r.label_km and r.label_en and r.active for r in reasons)


def test_rejection_reasons_page_for_administrators_and_reviewers(client):
    seed_rejection_reasons()
    institution = InstitutionFactory()
    admin_user = factories.officer("service_administrator", institution)
    reviewer = factories.officer("reception_officer", institution)
    reason = RejectionReason.objects.first()
    url = f"/backoffice/review/rejectionreason/{reason.pk}/change/"
    client.force_login(reviewer)
    assert client.get("/backoffice/review/rejectionreason/").status_code == 200
    response = client.post(url, {"code": reason.code, "label_km": "ថ្មី", "label_en": "Changed", "order": 1})
    assert response.status_code == 403
    client.force_login(admin_user)
    response = client.post(
        url, {"code": reason.code, "label_km": "ថ្មី", "label_en": "Changed", "order": 1, "active": "on"}
    )
    assert response.status_code == 302, response.content[:500]
    reason.refresh_from_db()
    assert reason.label_en == "Changed"
