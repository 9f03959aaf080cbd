"""The help desk in the back-office: every page opens; feedback is read-only with its average."""

import pytest
from django.urls import reverse

from accounts.roles import ROLE_PERMISSIONS
from portal import services
from portal.models import FAQ

pytestmark = pytest.mark.django_db


def test_changelists_and_pages_open_for_superuser(client, superuser, faq):
    services.give_feedback(rating=4, page="/")
    services.give_feedback(rating=2, comment="Slow", page="/services/")
    request = services.create_support_request(name="A", message="Q", phone="012345678")
    item = faq()
    client.force_login(superuser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for url in (
        "/backoffice/portal/faq/",
        "/backoffice/portal/faq/add/",
        reverse("admin:portal_faq_change", args=[item.pk]),
        "/backoffice/portal/supportrequest/",
        "/backoffice/portal/supportrequest/?q=SR",
        reverse("admin:portal_supportrequest_change", args=[request.pk]),
        "/backoffice/portal/feedback/",
        "/backoffice/notifications/notification/",
    ):
        assert client.get(url).status_code == 200, url
    html = client.get("/backoffice/portal/feedback/").content.decode()
    assert "average rating 3.0 / 5" in html
    assert client.get("/backoffice/portal/feedback/add/").status_code == 403
    # the phone is shown to officers (read-only) but masked in the audit trail
    assert (
        "012345678"
        in client.get(reverse("admin:portal_supportrequest_change", args=[request.pk])).content.decode()
    )


def test_faq_edit_is_audited(client, superuser, faq):
    from esb.models import AuditEvent

    item = faq()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:portal_faq_change", args=[item.pk]),
        {
            "question_km": "សំណួរថ្មី",
            "question_en": "New question",
            "answer_km": "ចម្លើយ",
            "answer_en": "Answer",
            "category": "general",
            "sort_order": 5,
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    assert FAQ.objects.get(pk=item.pk).question_en == "New question"
    assert AuditEvent.objects.filter(action="admin.change", object_type="portal.faq").exists()


def test_roles_name_real_permissions():
    from django.contrib.auth.models import Permission

    for specs in ROLE_PERMISSIONS.values():
        for spec in specs:
            app, codename = spec.split(".", 1)
            if app in {"portal", "notifications"} and codename != "*":
                assert Permission.objects.filter(content_type__app_label=app, codename=codename).exists(), (
                    spec
                )


def test_demo_seed_is_idempotent():
    from io import StringIO

    from portal import demo

    demo.seed(StringIO())
    count = FAQ.objects.count()
    demo.seed(StringIO())
    assert FAQ.objects.count() == count >= 8
    assert not FAQ.objects.filter(question_km="").exists()
