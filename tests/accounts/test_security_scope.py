"""Issue 9: a department-limited service administrator could remove their own department limit in the
back-office. No one widens their own scope, and a department-limited administrator gives no wider roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import OfficerAssignment, User
from esb.models import AuditEvent
from tests.accounts.test_officers import _inline, _officer_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited_admin(make_officer, institutions):
    admin = make_officer(full_name_en="Limited admin")
    assignment = services.assign_role(
        admin, "service_administrator", institutions["MOC"], institutions["MOC_DEPT"], by=None
    )
    return admin, assignment


def test_removing_ones_own_department_limit_in_the_backoffice_is_refused(client, limited_admin, institutions):
    admin, assignment = limited_admin
    client.force_login(User.objects.get(pk=admin.pk))
    url = reverse("admin:accounts_officer_change", args=[admin.pk])
    page = client.get(url)
    assert page.status_code == 200
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data = _officer_form(admin) | _inline(
        prefix,
        [
            {
                "id": assignment.pk,
                "user": admin.pk,
                "role": assignment.role_id,
                "institution": institutions["MOC"].pk,
                "department": "",  # the attack: drop the limit
                "active": "on",
            }
        ],
        initial=1,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assignment.refresh_from_db()
    assert assignment.department == institutions["MOC_DEPT"]
    assert not AuditEvent.objects.filter(action="officer_assignment.change").exists()


def test_the_service_refuses_every_widening_of_ones_own_assignment(limited_admin, institutions):
    admin, assignment = limited_admin
    by = User.objects.get(pk=admin.pk)
    for changes in (
        {"department": None},
        {"institution": institutions["MOT"], "department": None},
        {"role": OfficerAssignment.objects.get(pk=assignment.pk).role.__class__.objects.get(code="approver")},
    ):
        with pytest.raises(ValidationError):
            services.change_assignment(OfficerAssignment.objects.get(pk=assignment.pk), by=by, **changes)
    with pytest.raises(ValidationError):
        services.assign_role(by, "approver", institutions["MOC"], institutions["MOC_DEPT"], by=by)
    # narrowing stays possible: an administrator may step down
    services.deactivate_assignment(OfficerAssignment.objects.get(pk=assignment.pk), by=by)
    assert not OfficerAssignment.objects.get(pk=assignment.pk).active


def test_a_department_limited_administrator_gives_roles_only_in_their_department(
    limited_admin, make_officer, institutions
):
    admin, _assignment = limited_admin
    by = User.objects.get(pk=admin.pk)
    colleague = make_officer()
    with pytest.raises(ValidationError):
        services.assign_role(colleague, "reception_officer", institutions["MOC"], by=by)  # whole institution
    given = services.assign_role(
        colleague, "reception_officer", institutions["MOC"], institutions["MOC_DEPT"], by=by
    )
    assert given.department == institutions["MOC_DEPT"]
    with pytest.raises(ValidationError):
        services.change_assignment(given, by=by, department=None)
