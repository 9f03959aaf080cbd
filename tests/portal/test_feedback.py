"""Feedback: a rating 1 to 5 with an optional comment, the page remembered, anonymous posts throttled."""

import pytest
from django.urls import reverse

from esb.throttle import rate_for
from portal.models import Feedback

pytestmark = pytest.mark.django_db

URL = "/help/feedback/"


def test_url_name():
    assert reverse("portal:feedback") == URL


def test_form_has_radio_fieldset_and_remembers_local_page(client):
    html = client.get(URL, {"page": "/services/"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<fieldset" in html and "<legend" in html
    assert html.count('type="radio"') == 5
    assert "5 – Very good" in html
    assert 'value="/services/"' in html


@pytest.mark.parametrize("page", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_foreign_page_is_forgotten(client, page):
    response = client.get(URL, {"page": page})
    assert response.context["page"] == ""
    assert '<input type="hidden" name="page" id="id_page">' in response.content.decode()
    client.post(URL, {"rating": "4", "page": page})
    assert Feedback.objects.get().page == ""


def test_happy_path(client, person):
    client.force_login(person)
    response = client.post(
        URL, {"rating": "5", "comment": "Fast!", "page": "/services/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert 'href="/services/"' in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.page, feedback.user) == (
        5,
        "Fast!",
        "/services/",
        person,
    )
    assert feedback.language == "en"


@pytest.mark.parametrize("rating", [None, "", "0", "6", "-1", "abc", "4.5", "99999999999999999999"])
def test_bad_rating_is_a_form_error_not_a_500(client, rating):
    data = {"comment": "hello"}
    if rating is not None:
        data["rating"] = rating
    response = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert not Feedback.objects.exists()


def test_comment_too_long(client):
    response = client.post(URL, {"rating": "3", "comment": "x" * 2001})
    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_anonymous_posts_throttled_per_ip(client):
    limit = rate_for("feedback").limit
    for _ in range(limit):
        assert client.post(URL, {"rating": "4"}, REMOTE_ADDR="203.0.113.7").status_code == 200
    response = client.post(URL, {"rating": "4"}, REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please try again in" in response.content.decode()
    assert Feedback.objects.count() == limit
    # another address is not affected
    assert client.post(URL, {"rating": "4"}, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_rotating_x_real_ip_does_not_escape_the_throttle(client):
    """Reaching the application directly (no trusted proxy), a new X-Real-IP per request changes nothing."""
    limit = rate_for("feedback").limit
    direct = {"REMOTE_ADDR": "203.0.113.7"}
    codes = [
        client.post(URL, {"rating": "4"}, HTTP_X_REAL_IP=f"198.51.100.{n}", **direct).status_code
        for n in range(limit + 3)
    ]
    assert codes.count(200) == limit and codes[-3:] == [429, 429, 429]
    assert Feedback.objects.count() == limit


def test_logged_in_people_are_counted_per_person_not_per_address(client, person, django_user_model):
    limit = rate_for("feedback").limit
    client.force_login(person)
    for _ in range(limit):
        assert client.post(URL, {"rating": "4"}, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.post(URL, {"rating": "4"}, REMOTE_ADDR="203.0.113.9").status_code == 429
    # a colleague behind the same office address still has their own allowance
    client.force_login(django_user_model.objects.create_user(username="dara"))
    assert client.post(URL, {"rating": "4"}, REMOTE_ADDR="203.0.113.9").status_code == 200
