"""The person's Telegram and SMS details on the privacy app's "my data" page (masked) and their erasure."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from notifications import optin, services
from notifications.models import ChannelSubscription, OutgoingMessage, PhoneVerification, TelegramLink

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _subscribe(user, channel: str, destination: str, label: str = "") -> ChannelSubscription:
    from django.utils import timezone

    return ChannelSubscription.objects.create(
        user=user, channel=channel, destination=destination, label=label, verified_at=timezone.now()
    )


def test_my_data_lists_my_channels_masked_and_not_someone_elses(make_user):
    me, other = make_user(), make_user()
    _subscribe(me, "sms", "+85512345678")
    _subscribe(me, "telegram", "700100", "Dara")
    _subscribe(other, "sms", "+85599888777")
    optin.start_phone_verification(me, "+85597765432")
    page = _client(me).get(reverse("privacy:my-data")).content.decode()
    assert "Your Telegram and SMS notifications" in page
    assert "+855 ••• ••• 678" in page and "+85512345678" not in page and "12345678" not in page
    assert "•••100" in page and "700100" not in page and "Dara" in page
    assert "+855 ••• ••• 432" in page and "97765432" not in page
    assert "777" not in page  # the other person's number


def test_my_data_says_so_when_there_is_no_channel(make_user):
    page = _client(make_user()).get(reverse("privacy:my-data")).content.decode()
    assert "You receive no notifications by Telegram or SMS." in page


def test_erasing_removes_subscriptions_codes_links_and_masks_the_copies(make_user):
    me, other = make_user(), make_user()
    _subscribe(me, "sms", "+85512345678")
    _subscribe(other, "sms", "+85599888777")
    optin.start_phone_verification(me, "+85597765432")
    optin.start_telegram_link(me)
    with transaction.atomic():
        services.notify(me, title_en="Approved", title_km="បានអនុម័ត", url="/x/", dedupe_key="n1")
    queued = OutgoingMessage.objects.get(notification__user=me, channel="sms")
    hash_before = queued.destination_hash
    client = _client(me)
    response = client.post(reverse("notifications:forget"))
    assert response.status_code == 302
    assert not ChannelSubscription.objects.filter(user=me).exists()
    assert not PhoneVerification.objects.filter(user=me).exists()
    assert not TelegramLink.objects.filter(user=me).exists()
    assert ChannelSubscription.objects.filter(user=other).exists()  # nobody else's
    queued.refresh_from_db()
    assert queued.state == "failed" and "12345678" not in queued.destination
    assert queued.destination_hash != hash_before
    assert "You receive no notifications" in client.get(reverse("privacy:my-data")).content.decode()


def test_erasing_is_post_only_and_for_signed_in_people(make_user):
    assert Client().post(reverse("notifications:forget")).status_code in (302, 403)
    assert _client(make_user()).get(reverse("notifications:forget")).status_code == 405
