"""Notifications: idempotent creation, the e-mail through the outbox (written with the notification, mailed
once in the person's language), the page, the header badge."""

import pytest
from django.core import mail
from django.db import transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from esb.outbox import relay
from esb.outbox import services as outbox
from esb.outbox.models import OutboxMessage
from notifications import selectors, services
from notifications.models import Notification
from notifications.tasks import EMAIL_TOPIC, send_notification_email

pytestmark = pytest.mark.django_db

TITLES = {"title_km": "ពាក្យស្នើសុំរបស់អ្នកត្រូវបានអនុម័ត", "title_en": "Your application was approved"}


def _notify(user, **extra):
    fields = {**TITLES, "body_km": "សូមទាញយកអាជ្ញាប័ណ្ណ។", "body_en": "Download your licence.", **extra}
    return services.notify(user, **fields)


def test_notify_is_idempotent_by_dedupe_key(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks() as callbacks:
        first = _notify(user, dedupe_key="app:1:approved")
        again = _notify(user, dedupe_key="app:1:approved")
    assert first.pk == again.pk
    assert Notification.objects.filter(user=user).count() == 1
    # one e-mail message in the outbox, not two (and one relay kick for the transaction)
    assert OutboxMessage.objects.filter(topic=EMAIL_TOPIC).count() == 1
    assert callbacks == [outbox.kick_relay]
    other = _notify(user, dedupe_key="app:2:approved")
    assert other.pk != first.pk


def test_notify_refuses_links_to_other_sites(make_user):
    user = make_user()
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            _notify(user, url=url)


def test_notify_writes_the_email_message_in_the_callers_transaction(make_user):
    user = make_user()
    notification = _notify(user, dedupe_key="app:7:approved")
    message = OutboxMessage.objects.get(dedupe_key=f"notification-email:{notification.pk}")
    assert (message.topic, message.payload) == (EMAIL_TOPIC, {"notification_id": notification.pk})

    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(user, dedupe_key="app:8:approved")
        raise RuntimeError("the status change failed")
    assert not Notification.objects.filter(dedupe_key="app:8:approved").exists()
    assert OutboxMessage.objects.filter(topic=EMAIL_TOPIC).count() == 1


def test_the_email_goes_out_without_any_commit_callback(make_user, settings):
    """What survives a crash after the commit (no on_commit callback ran) is enough: the relay mails it."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    user = make_user(preferred_language="en")
    notification = _notify(user)
    assert mail.outbox == []
    assert relay.relay().delivered == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert relay.relay().delivered == 0
    assert send_notification_email.run(notification.pk) == "already-sent"
    assert len(mail.outbox) == 1


def test_email_sent_once_on_commit_in_khmer(make_user, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.ESB_PUBLIC_BASE_URL = "https://esb.example.gov.kh"
    user = make_user(preferred_language="km")
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(user, url="/applications/42/", dedupe_key="app:42:approved")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == TITLES["title_km"]
    assert "សូមទាញយកអាជ្ញាប័ណ្ណ។" in message.body
    assert "https://esb.example.gov.kh/applications/42/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://esb.example.gov.kh/applications/42/"' in html
    assert 'lang="km"' in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None

    # a retried or duplicated task sends nothing more
    assert send_notification_email.run(notification.pk) == "already-sent"
    assert len(mail.outbox) == 1


def test_email_in_english_for_an_english_reader(make_user, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    user = make_user(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    assert mail.outbox[0].subject == TITLES["title_en"]
    assert "Download your licence." in mail.outbox[0].body


def test_no_email_address_no_email(make_user):
    user = make_user(email="")
    notification = _notify(user)
    assert send_notification_email.run(notification.pk) == "no-email"
    assert send_notification_email.run(999999) == "missing"
    assert mail.outbox == []


def test_failed_send_releases_the_claim_for_a_retry(make_user, monkeypatch):
    user = make_user()
    notification = _notify(user)

    def fail(self, fail_silently=False):
        raise OSError("relay down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", fail)
    with pytest.raises(OSError):
        send_notification_email.run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert "relay down" in notification.email_error
    monkeypatch.undo()
    assert send_notification_email.run(notification.pk) == "sent"
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.email_error == ""


def test_list_shows_only_own_notifications_newest_first(client, make_user):
    me, other = make_user(), make_user()
    _notify(me, title_en="Older news", title_km="ព័ត៌មានចាស់")
    _notify(me, title_en="Newer news", title_km="ព័ត៌មានថ្មី", url="/services/")
    _notify(other, title_en="Someone else's secret", title_km="អាថ៌កំបាំង")
    client.force_login(me)
    response = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else" not in html
    assert html.index("Newer news") < html.index("Older news")
    assert 'href="/services/"' in html


def test_list_needs_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_list_pagination_survives_bad_page(client, make_user):
    me = make_user()
    client.force_login(me)
    assert client.get(reverse("notifications:list") + "?page=abc").status_code == 200
    assert client.get(reverse("notifications:list") + "?page=9999").status_code == 200


def test_mark_read_one_all_and_never_others(client, make_user):
    me, other = make_user(), make_user()
    mine = [_notify(me) for _ in range(3)]
    theirs = _notify(other)
    client.force_login(me)
    url = reverse("notifications:mark-read")
    assert client.get(url).status_code == 405
    response = client.post(url, {"id": [mine[0].pk, theirs.pk, "junk"], "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    assert selectors.unread_count(me) == 2
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(url)
    assert selectors.unread_count(me) == 0
    assert selectors.unread_count(other) == 1


def test_selectors(make_user):
    me = make_user()
    for i in range(3):
        _notify(me, title_en=f"n{i}")
    services.mark_read(me, [Notification.objects.filter(user=me).first().pk])
    assert selectors.unread_count(me) == 2
    assert [n.title_en for n in selectors.recent_for(me, limit=2)] == ["n2", "n1"]


def _render_link(user):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load notifications_ui %}{% notifications_link %}").render(
        Context({"request": request})
    )


def test_badge_counts_unread_with_screen_reader_text(make_user):
    from django.contrib.auth.models import AnonymousUser

    me = make_user()
    assert _render_link(AnonymousUser()).strip() == ""
    html = _render_link(me)
    assert "Notifications" in html and "badge" not in html
    for _ in range(3):
        _notify(me)
    Notification.objects.filter(user=me).update(read_at=None)
    html = _render_link(me)
    assert '<span class="badge' in html and ">3</span>" in html
    assert '<span class="visually-hidden">(3 unread)</span>' in html
    Notification.objects.filter(user=me).update(read_at=timezone.now())
    assert "badge" not in _render_link(me)


def test_a_repeated_key_inside_a_transaction_needs_no_savepoint_and_spoils_nothing(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            first = _notify(user, dedupe_key="app:9:approved")
            again = _notify(user, dedupe_key="app:9:approved")
        assert again.pk == first.pk and again.title_en == TITLES["title_en"]
        assert not [q for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
        assert Notification.objects.filter(user=user).count() == 1  # the transaction is still usable
    assert first.created_at is not None and not first._state.adding
    assert Notification.objects.get(pk=first.pk).url == ""
