"""Officers are registered by personal code and given roles through audited services (page B5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Officer, OfficerAssignment, User
from esb.audit import verify_chain
from esb.models import AuditEvent
from tests.accounts.support import role

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    root = User.objects.create_superuser("root", "root@example.gov.kh", "a-long-test-password")
    client.force_login(root)
    return client


def test_register_officer_creates_a_staff_account_without_password_or_camdigikey_id(db):
    root = User.objects.create_superuser("root", "root@example.gov.kh", "a-long-test-password")
    officer = services.register_officer(
        "OFF-MOC-001", full_name_en="Sok Dara", full_name_km="សុខ ដារ៉ា", by=root
    )
    assert officer.is_staff and officer.is_active and not officer.is_superuser
    assert not officer.has_usable_password()
    assert officer.camdigikey_id is None
    assert officer.personal_code == "OFF-MOC-001"
    event = AuditEvent.objects.get(action="officer.register")
    assert event.actor_id == root.pk
    assert event.after["personal_code"] == "***"
    with pytest.raises(ValidationError):
        services.register_officer("off moc 001", full_name_en="Someone else", by=root)  # same code


def test_assignment_changes_are_audited(make_officer, institutions):
    officer = make_officer()
    assignment = services.assign_role(officer, "reception_officer", institutions["MOC"], by=None)
    services.change_assignment(assignment, by=None, role=role("head_of_office"))
    services.deactivate_assignment(assignment, by=None)
    services.delete_assignment(assignment, by=None)
    actions = list(
        AuditEvent.objects.filter(object_type="accounts.officerassignment")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "officer_assignment.create",
        "officer_assignment.change",
        "officer_assignment.deactivate",
        "officer_assignment.delete",
    ]
    change = AuditEvent.objects.get(action="officer_assignment.change")
    assert change.before == {"role": role("reception_officer").pk}
    assert change.after == {"role": role("head_of_office").pk}
    assert list(verify_chain()) == []


def test_the_same_role_twice_at_the_same_place_is_refused(make_officer, institutions):
    officer = make_officer()
    services.assign_role(officer, "approver", institutions["MOC"], by=None)
    with pytest.raises(ValidationError):
        services.assign_role(officer, "approver", institutions["MOC"], by=None)
    services.assign_role(officer, "system_administrator", None, by=None)
    with pytest.raises(ValidationError):  # NULL institution counts as equal too
        services.assign_role(officer, "system_administrator", None, by=None)


def test_a_local_administrator_cannot_give_roles_elsewhere_or_national_ones(make_officer, institutions):
    admin = make_officer()
    services.assign_role(admin, "service_administrator", institutions["MOC"], by=None)
    admin = User.objects.get(pk=admin.pk)
    officer = make_officer()
    services.assign_role(officer, "reception_officer", institutions["MOC"], by=admin)
    with pytest.raises(ValidationError):
        services.assign_role(officer, "reception_officer", institutions["MOT"], by=admin)
    with pytest.raises(ValidationError):
        services.assign_role(officer, "system_administrator", institutions["MOC"], by=admin)


def test_registering_an_officer_in_the_backoffice(root_client):
    response = root_client.post(
        reverse("admin:accounts_officer_add"),
        {
            "personal_code": "OFF-MOT-001",
            "full_name_en": "Chan Sophea",
            "full_name_km": "",
            "email": "",
            "preferred_language": "km",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    officer = Officer.objects.get(full_name_en="Chan Sophea")
    assert officer.is_staff and officer.personal_code == "OFF-MOT-001" and not officer.has_usable_password()
    assert AuditEvent.objects.filter(action="officer.register").count() == 1
    assert not AuditEvent.objects.filter(action="admin.add").exists()  # the service audited it once
    again = root_client.post(
        reverse("admin:accounts_officer_add"),
        {"personal_code": "OFF-MOT-001", "full_name_en": "Twin", "preferred_language": "km"},
    )
    assert again.status_code == 200
    assert "already exists" in str(again.context["adminform"].form.errors)


def _inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def _officer_form(officer: User) -> dict:
    return {
        "full_name_km": officer.full_name_km,
        "full_name_en": officer.full_name_en,
        "email": officer.email,
        "preferred_language": officer.preferred_language,
        "is_active": "on",
    }


def test_assignments_added_and_changed_in_the_backoffice_go_through_the_audited_services(
    root_client, make_officer, institutions
):
    officer = make_officer()
    url = reverse("admin:accounts_officer_change", args=[officer.pk])
    page = root_client.get(url)
    assert page.status_code == 200
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data = _officer_form(officer) | _inline(
        prefix,
        [{"role": role("reception_officer").pk, "institution": institutions["MOC"].pk, "active": "on"}],
    )
    response = root_client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    assignment = OfficerAssignment.objects.get(user=officer)
    created = AuditEvent.objects.get(action="officer_assignment.create")
    assert created.object_id == str(assignment.pk)
    assert not AuditEvent.objects.filter(action="admin.add").exists()

    data = _officer_form(officer) | _inline(
        prefix,
        [
            {
                "id": assignment.pk,
                "user": officer.pk,
                "role": role("reception_officer").pk,
                "institution": institutions["MOC"].pk,
                "department": institutions["MOC_DEPT"].pk,
                # "active" unticked: deactivated together with the department change
            }
        ],
        initial=1,
    )
    assert root_client.post(url, data).status_code == 302
    assignment.refresh_from_db()
    assert assignment.department == institutions["MOC_DEPT"] and not assignment.active
    change = AuditEvent.objects.get(action="officer_assignment.change")
    assert change.after == {"active": False, "department": institutions["MOC_DEPT"].pk}


def test_an_invalid_assignment_is_a_form_error_not_a_crash(root_client, make_officer, institutions):
    officer = make_officer()
    url = reverse("admin:accounts_officer_change", args=[officer.pk])
    prefix = root_client.get(url).context["inline_admin_formsets"][0].formset.prefix
    data = _officer_form(officer) | _inline(
        prefix,
        [
            {
                "role": role("approver").pk,
                "institution": institutions["MOT"].pk,
                "department": institutions["MOC_DEPT"].pk,
                "active": "on",
            }
        ],
    )
    response = root_client.post(url, data)
    assert response.status_code == 200
    assert "belongs to another institution" in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )
    assert not OfficerAssignment.objects.exists()


def test_a_service_administrator_sees_officers_of_their_institution_only(client, make_officer, institutions):
    admin = make_officer()
    services.assign_role(admin, "service_administrator", institutions["MOC"], by=None)
    moc = make_officer(full_name_en="MOC person")
    services.assign_role(moc, "reception_officer", institutions["MOC"], by=None)
    mot = make_officer(full_name_en="MOT person")
    services.assign_role(mot, "reception_officer", institutions["MOT"], by=None)
    new = make_officer(full_name_en="Not yet assigned")
    client.force_login(User.objects.get(pk=admin.pk))
    listing = client.get(reverse("admin:accounts_officer_changelist"))
    assert listing.status_code == 200
    names = {o.full_name_en for o in listing.context["cl"].result_list}
    assert {"MOC person", "Not yet assigned"} <= names and "MOT person" not in names
    assert client.get(reverse("admin:accounts_officer_change", args=[mot.pk])).status_code in (302, 404)
    page = client.get(reverse("admin:accounts_officer_change", args=[new.pk]))
    formset = page.context["inline_admin_formsets"][0].formset
    assert set(formset.form.base_fields["institution"].queryset) == {institutions["MOC"]}
    assert "system_administrator" not in {r.code for r in formset.form.base_fields["role"].queryset}
