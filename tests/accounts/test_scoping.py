"""Roles give permissions only through active assignments, and officers see only their institution."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts import services
from accounts.backends import RolePermissionBackend
from accounts.models import User
from accounts.selectors import officer_scope, scope_queryset
from licensing.models import LicenceType
from tests.licensing.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The same account as a new request would load it (no per-request caches)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def catalog(institutions):
    return {
        "moc": LicenceTypeFactory(institution=institutions["MOC"], code="MOC-T-001", name_en="MOC licence"),
        "mot": LicenceTypeFactory(institution=institutions["MOT"], code="MOT-T-001", name_en="MOT licence"),
    }


@pytest.fixture
def moc_officer(make_officer, institutions):
    officer = make_officer("OFF-MOC-901")
    services.assign_role(officer, "reception_officer", institutions["MOC"], by=None)
    return fresh(officer)


# --- permissions --------------------------------------------------------------------------------------------


def test_role_permissions_apply_only_through_active_assignments(make_officer, institutions):
    officer = make_officer()
    backend = RolePermissionBackend()
    assert backend.get_all_permissions(fresh(officer)) == set()
    assignment = services.assign_role(officer, "reception_officer", institutions["MOC"], by=None)
    perms = backend.get_all_permissions(fresh(officer))
    assert "licensing.view_licencetype" in perms
    assert "licensing.change_licencetype" not in perms  # not a reception officer's
    assert fresh(officer).has_perm("licensing.view_licencetype")
    assert not officer.user_permissions.exists()  # nothing granted per user

    services.deactivate_assignment(assignment, by=None)
    assert backend.get_all_permissions(fresh(officer)) == set()
    assert not fresh(officer).has_perm("licensing.view_licencetype")


def test_permissions_are_the_union_of_the_roles_and_stop_with_the_account_or_institution(
    make_officer, institutions
):
    officer = make_officer()
    services.assign_role(officer, "reception_officer", institutions["MOC"], by=None)
    services.assign_role(officer, "service_administrator", institutions["MOT"], by=None)
    assert fresh(officer).has_perm("licensing.change_licencetype")  # from the second role
    assert fresh(officer).has_module_perms("licensing")
    institutions["MOT"].is_active = False
    institutions["MOT"].save()
    assert not fresh(officer).has_perm("licensing.change_licencetype")
    assert fresh(officer).has_perm("licensing.view_licencetype")
    User.objects.filter(pk=officer.pk).update(is_active=False)
    assert RolePermissionBackend().get_all_permissions(fresh(officer)) == set()


def test_permissions_are_cached_for_the_request(make_officer, institutions, django_assert_max_num_queries):
    officer = make_officer()
    services.assign_role(officer, "reception_officer", institutions["MOC"], by=None)
    user = fresh(officer)
    user.has_perm("licensing.view_licencetype")
    with django_assert_max_num_queries(0):
        for _ in range(5):
            user.has_perm("licensing.view_licencetype")
            user.has_perm("registry.view_business")


# --- scope --------------------------------------------------------------------------------------------------


def test_scope_of_superusers_and_national_system_administrators(make_officer, institutions):
    root = User.objects.create_superuser("root", "r@example.gov.kh", "a-long-test-password")
    assert officer_scope(root).is_national
    sysadmin = make_officer()
    services.assign_role(sysadmin, "system_administrator", None, by=None)
    assert officer_scope(fresh(sysadmin)).is_national
    local_admin = make_officer()
    services.assign_role(local_admin, "system_administrator", institutions["MOT"], by=None)
    scope = officer_scope(fresh(local_admin))
    assert not scope.is_national and scope.institution_ids == {institutions["MOT"].pk}
    assert officer_scope(fresh(make_officer())).is_empty


def test_only_system_administrators_can_be_national(make_officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.assign_role(make_officer(), "approver", None, by=None)


def test_department_assignments_narrow_rows_that_have_a_department(make_officer, institutions, catalog):
    officer = make_officer()
    services.assign_role(officer, "technical_officer", institutions["MOC"], institutions["MOC_DEPT"], by=None)
    other_dept = institutions["MOC"].departments.create(code="other", name_km="ផ្សេង", name_en="Other")
    in_dept = LicenceTypeFactory(institution=institutions["MOC"], department=institutions["MOC_DEPT"])
    elsewhere = LicenceTypeFactory(institution=institutions["MOC"], department=other_dept)
    visible = set(scope_queryset(LicenceType.objects.all(), fresh(officer), "institution", "department"))
    assert in_dept in visible and catalog["moc"] in visible  # no department: the whole institution's
    assert elsewhere not in visible and catalog["mot"] not in visible
    # without a department path, the institution decides
    assert elsewhere in set(scope_queryset(LicenceType.objects.all(), fresh(officer)))


def test_a_department_must_belong_to_the_institution(make_officer, institutions):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.assign_role(
            make_officer(), "approver", institutions["MOT"], institutions["MOC_DEPT"], by=None
        )
    assert "department" in caught.value.message_dict


# --- back-office --------------------------------------------------------------------------------------------


def test_an_officer_without_an_active_assignment_sees_no_backoffice_module(
    client, make_officer, institutions, catalog
):
    officer = make_officer()
    client.force_login(officer)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert client.get(reverse("admin:licensing_licencetype_changelist")).status_code == 403
    # even a per-user permission does not open a scoped page without an assignment
    from django.contrib.auth.models import Permission

    officer.user_permissions.add(Permission.objects.get(codename="view_licencetype"))
    client.force_login(fresh(officer))
    assert client.get(reverse("admin:licensing_licencetype_changelist")).status_code == 403


def test_an_moc_officer_sees_only_moc_licence_types(client, moc_officer, catalog):
    client.force_login(moc_officer)
    # a reviewing officer lands on the work queue; the back-office's list of apps is still scoped
    assert client.get(reverse("admin:index"))["Location"] == reverse("review:queue")
    request = RequestFactory().get(reverse("admin:index"))
    request.user = fresh(moc_officer)
    labels = {app["app_label"] for app in admin.site.get_app_list(request)}
    assert "licensing" in labels
    listing = client.get(reverse("admin:licensing_licencetype_changelist"))
    assert listing.status_code == 200
    shown = set(listing.context["cl"].result_list)
    assert shown == {catalog["moc"]}
    own = client.get(reverse("admin:licensing_licencetype_change", args=[catalog["moc"].pk]))
    assert own.status_code == 200
    other = client.get(reverse("admin:licensing_licencetype_change", args=[catalog["mot"].pk]))
    assert other.status_code == 404
    # custom pages of an object outside the scope are 404 too, and so are the other object pages
    assert (
        client.get(reverse("admin:licensing_licencetype_history", args=[catalog["mot"].pk])).status_code
        == 404
    )
    assert (
        client.get(f"/backoffice/licensing/licencetype/{catalog['mot'].pk}/new-form-draft/").status_code
        == 404
    )


def test_institutions_are_scoped_too(client, moc_officer, institutions):
    client.force_login(moc_officer)
    listing = client.get(reverse("admin:registry_institution_changelist"))
    assert set(listing.context["cl"].result_list) == {institutions["MOC"]}
    mot = reverse("admin:registry_institution_change", args=[institutions["MOT"].pk])
    assert client.get(mot).status_code == 404


def test_a_service_administrator_picks_only_their_institution_for_a_licence_type(
    client, make_officer, institutions
):
    admin = make_officer()
    services.assign_role(admin, "service_administrator", institutions["MOC"], by=None)
    client.force_login(fresh(admin))
    page = client.get(reverse("admin:licensing_licencetype_add"))
    assert page.status_code == 200
    choices = page.context["adminform"].form.fields["institution"].queryset
    assert set(choices) == {institutions["MOC"]}
