"""POST /notifications/mark-read/ with hostile ids: ignored, never a 500 (esb.ids)."""

import pytest
from django.urls import reverse

from notifications import selectors, services

pytestmark = pytest.mark.django_db


def _notify(user):
    return services.notify(user, title_km="ចំណងជើង", title_en="Title", body_km="អត្ថបទ", body_en="Body")


@pytest.mark.parametrize("bad", ["²", "١", "１", "99999999999999999999999", "-1", "0", " 1"])
def test_non_ascii_and_out_of_range_ids_are_ignored(client, make_user, bad):
    me = make_user()
    first, _second = _notify(me), _notify(me)
    client.force_login(me)
    response = client.post(reverse("notifications:mark-read"), {"id": [bad]})
    assert response.status_code == 302
    assert selectors.unread_count(me) == 2  # nothing marked: the only id given was not one
    response = client.post(reverse("notifications:mark-read"), {"id": [bad, str(first.pk)]})
    assert response.status_code == 302
    assert selectors.unread_count(me) == 1


def test_the_notifications_pages_are_not_cacheable(client, make_user):
    me = make_user()
    client.force_login(me)
    for response in (
        client.get(reverse("notifications:list")),
        client.post(reverse("notifications:mark-read"), {"id": ["²"]}),
    ):
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
