"""Every change made through the back-office is audited (in the same transaction as the change)."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
from esb.audit import verify_chain
from esb.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root-admin", "root@example.gov.kh", "a-long-test-password")
    client.force_login(admin)
    return client


def test_changing_a_role_in_the_backoffice_writes_an_audit_event(admin_client):
    role = Role.objects.get(code="approver")
    url = reverse("admin:accounts_role_change", args=[role.pk])
    response = admin_client.post(
        url,
        {
            "name_km": role.name_km,
            "name_en": "Approver (Director General)",
            "description_km": "",
            "description_en": "",
            "sort_order": role.sort_order,
            "permissions": [],
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="admin.change", object_type="accounts.role")
    assert event.object_id == str(role.pk)
    assert event.actor_label == "root-admin"
    assert event.before["name_en"] == "Approver (director)"
    assert event.after["name_en"] == "Approver (Director General)"
    assert event.request_id  # tied to the HTTP request that made the change
    assert list(verify_chain()) == []


def test_adding_a_user_is_audited_without_the_password_hash(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "officer-1",
            "password1": "Another-long-pass-123",
            "password2": "Another-long-pass-123",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="admin.add", object_type="accounts.user")
    assert "password" not in event.after
    assert event.after["username"] == "officer-1"


def test_the_audit_trail_is_read_only_in_the_backoffice(admin_client):
    Role.objects.get(code="approver")
    assert admin_client.get(reverse("admin:esb_auditevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:esb_auditevent_add")).status_code == 403
