"""Back-office: consent texts (drafts, publish action, published read-only) and the read-only logs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from esb.models import AuditEvent
from privacy import selectors, services
from privacy.models import AccessorKind, ConsentPurpose, ConsentText

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    superuser = User.objects.create_superuser("privacy-admin", "admin@example.gov.kh", "a-long-test-password")
    client.force_login(superuser)
    return client


def _url(name, *args):
    return reverse(f"admin:privacy_{name}", args=args)


def test_pages_render(admin_client, user, camdx_text):
    consent = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    access = services.record_access(
        accessor_label="ESB Portal — prefill",
        accessor_kind=AccessorKind.SYSTEM,
        purpose="PREFILL",
        what="business registry record",
        subject_user=user,
    )
    for url in (
        _url("consenttext_changelist"),
        _url("consenttext_changelist") + "?status__exact=PUBLISHED",
        _url("consenttext_add"),
        _url("consenttext_change", camdx_text.pk),
        _url("consent_changelist"),
        _url("consent_changelist") + "?withdrawn_at__isempty=1",
        _url("consent_change", consent.pk),
        _url("dataaccess_changelist") + "?accessor_kind__exact=SYSTEM",
        _url("dataaccess_change", access.pk),
    ):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(_url("consent_add")).status_code == 403
    assert admin_client.get(_url("dataaccess_delete", access.pk)).status_code == 403


def test_published_text_cannot_be_edited_or_deleted(admin_client, camdx_text):
    response = admin_client.post(
        _url("consenttext_change", camdx_text.pk),
        {"title_km": "x", "title_en": "x", "body_km": "x", "body_en": "changed"},
    )
    assert response.status_code == 403
    camdx_text.refresh_from_db()
    assert camdx_text.body_en != "changed"
    assert admin_client.post(_url("consenttext_delete", camdx_text.pk), {"post": "yes"}).status_code == 403
    assert ConsentText.objects.filter(pk=camdx_text.pk).exists()


def test_create_draft_then_publish_with_the_action(admin_client, camdx_text):
    response = admin_client.post(
        _url("consenttext_add"),
        {
            "purpose": ConsentPurpose.CAMDX_CLUSTER,
            "title_km": "ការចែករំលែក",
            "title_en": "Sharing",
            "body_km": "អត្ថបទ។",
            "body_en": "Text.",
        },
    )
    assert response.status_code == 302
    draft = ConsentText.objects.get(purpose=ConsentPurpose.CAMDX_CLUSTER, status=ConsentText.Status.DRAFT)
    assert draft.version == 2
    assert AuditEvent.objects.filter(action="admin.add", object_id=str(draft.pk)).exists()
    response = admin_client.post(
        _url("consenttext_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk, camdx_text.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert selectors.current_text(ConsentPurpose.CAMDX_CLUSTER) == draft
    camdx_text.refresh_from_db()
    assert camdx_text.status == ConsentText.Status.RETIRED
    published = AuditEvent.objects.filter(action="privacy.consent_text_published", object_id=str(draft.pk))
    assert published.exists()
