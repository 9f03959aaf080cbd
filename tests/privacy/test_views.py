"""Applicant pages: consent form, my data, withdrawal."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from privacy import selectors, services
from privacy.models import AccessorKind, Consent, ConsentPurpose

pytestmark = pytest.mark.django_db

CONSENT_URL = "/my-data/consent/"
MY_DATA_URL = "/my-data/"


def _post(client, camdx_text, outside_text=None, *, agree=True, outside=False, next_url=None):
    data = {"camdx_text_id": camdx_text.pk}
    if outside_text is not None:
        data["outside_text_id"] = outside_text.pk
    if agree:
        data["agree_camdx"] = "on"
    if outside:
        data["agree_outside"] = "on"
    if next_url is not None:
        data["next"] = next_url
    return client.post(CONSENT_URL, data)


def test_url_names():
    assert reverse("privacy:consent") == CONSENT_URL
    assert reverse("privacy:my-data") == MY_DATA_URL
    assert reverse("privacy:withdraw", args=[5]) == "/my-data/consents/5/withdraw/"


@pytest.mark.parametrize("url", [CONSENT_URL, MY_DATA_URL])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_anonymous_withdraw_is_sent_to_login(client):
    response = client.post(reverse("privacy:withdraw", args=[1]))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_consent_page_shows_both_texts_with_version_and_date(client, user, camdx_text, outside_text):
    client.force_login(user)
    response = client.get(CONSENT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert camdx_text.title_en in html and outside_text.title_en in html
    assert html.count("Version 1, published") == 2
    assert f'name="camdx_text_id" value="{camdx_text.pk}"' in html
    assert f'name="outside_text_id" value="{outside_text.pk}"' in html
    assert 'name="agree_camdx"' in html and 'name="agree_outside"' in html
    assert 'role="alert"' not in html


def test_happy_path_records_consents_and_follows_next(client, user, camdx_text, outside_text):
    client.force_login(user)
    response = _post(client, camdx_text, outside_text, outside=True, next_url="/apply/food-licence/")
    assert response.status_code == 302 and response["Location"] == "/apply/food-licence/"
    assert selectors.has_consent(user)
    assert selectors.has_consent(user, ConsentPurpose.OUTSIDE_CLUSTER)
    consent = Consent.objects.get(user=user, purpose=ConsentPurpose.CAMDX_CLUSTER)
    assert consent.text == camdx_text and consent.ip == "127.0.0.1"


def test_optional_consent_is_optional(client, user, camdx_text, outside_text):
    client.force_login(user)
    response = _post(client, camdx_text, outside_text)
    assert response.status_code == 302 and response["Location"] == MY_DATA_URL
    assert selectors.has_consent(user)
    assert not selectors.has_consent(user, ConsentPurpose.OUTSIDE_CLUSTER)


def test_unchecked_required_box_shows_the_error_summary_and_the_field_error(client, user, camdx_text):
    client.force_login(user)
    response = _post(client, camdx_text, agree=False, outside=True)
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger" role="alert".*?</div>', html, re.S)
    assert summary is not None
    assert 'href="#id_agree_camdx"' in summary.group(0)
    assert 'id="id_agree_camdx_error"' in html
    assert 'aria-invalid="true"' in html
    assert "Tick the box to agree" in html
    assert not Consent.objects.filter(user=user).exists()


def test_text_changed_between_get_and_post_is_detected(client, user, camdx_text, outside_text, new_version):
    client.force_login(user)
    v2 = new_version()
    response = _post(client, camdx_text, outside_text, next_url="/apply/x/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The consent text was updated; please read it again." in html
    assert 'role="alert"' in html
    assert v2.title_en in html and f'name="camdx_text_id" value="{v2.pk}"' in html
    assert 'id="id_agree_camdx" value="on" checked' not in html  # they must tick it again after reading
    assert not Consent.objects.filter(user=user).exists()


def test_changed_optional_text_is_detected_only_when_ticked(
    client, user, camdx_text, outside_text, new_version
):
    client.force_login(user)
    new_version(ConsentPurpose.OUTSIDE_CLUSTER)
    response = _post(client, camdx_text, outside_text, outside=True)
    assert response.status_code == 200 and "please read it again" in response.content.decode()
    response = _post(client, camdx_text, outside_text, outside=False)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)", "http:///evil.com"]
)
def test_unsafe_next_falls_back_to_my_data(client, user, camdx_text, unsafe):
    client.force_login(user)
    response = _post(client, camdx_text, next_url=unsafe)
    assert response.status_code == 302 and response["Location"] == MY_DATA_URL
    services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    response = client.get(CONSENT_URL, {"next": unsafe})
    assert response.status_code == 302 and response["Location"] == MY_DATA_URL


def test_get_with_next_goes_straight_on_when_consent_exists(client, user, camdx_text):
    client.force_login(user)
    assert client.get(CONSENT_URL, {"next": "/apply/x/"}).status_code == 200
    services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    response = client.get(CONSENT_URL, {"next": "/apply/x/"})
    assert response.status_code == 302 and response["Location"] == "/apply/x/"
    # Without next the page is shown (to add the optional consent), with the required box ticked.
    response = client.get(CONSENT_URL)
    assert response.status_code == 200 and "already agreed" in response.content.decode()


def test_bad_text_ids_are_a_form_error_not_a_500(client, user, camdx_text):
    client.force_login(user)
    response = client.post(CONSENT_URL, {"camdx_text_id": "abc", "agree_camdx": "on"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not Consent.objects.exists()


def test_my_data_shows_consents_profile_and_only_own_access_rows(
    client, make_user, other_user, camdx_text, outside_text, make_business
):
    user = make_user(
        full_name_km="សុខ ដារ៉ា",
        full_name_en="Dara Sok",
        email="d@example.com",
        mobile_phone="012 345 678",
        date_of_birth=datetime.date(1985, 6, 15),
        personal_code="010203040",
    )
    mine = make_business(owner=user, name_en="Dara Rice Mill")
    theirs = make_business(name_en="Other Trading")
    services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    outside = services.give_consent(user, ConsentPurpose.OUTSIDE_CLUSTER, outside_text)
    services.withdraw_consent(user, outside.pk)
    services.give_consent(other_user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)

    def log(what, **subject):
        services.record_access(
            accessor_label=f"label-{what}",
            accessor_kind=AccessorKind.OFFICER,
            purpose="REVIEW",
            what=what,
            object_ref=f"REF-{what}",
            **subject,
        )

    log("mine-person", subject_user=user)
    log("mine-business", subject_business=mine)
    log("theirs-person", subject_user=other_user)
    log("theirs-business", subject_business=theirs)

    client.force_login(user)
    response = client.get(MY_DATA_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sharing within the CamDX cluster" in html and "Withdrawn on" in html
    assert html.count(">Withdraw</button>") == 1  # only the active consent can be withdrawn
    assert "Unsubmitted drafts are deleted" in html.replace("Your unsubmitted", "Unsubmitted")
    assert "សុខ ដារ៉ា" in html and "Dara Sok" in html and "d@example.com" in html
    assert "•• ••• 678" in html and "345" not in html.split("•• ••• 678")[0][-20:]
    assert "1985" in html
    assert "Dara Rice Mill" in html
    assert "REF-mine-person" in html and "REF-mine-business" in html
    assert "theirs" not in html
    assert "reviewing your application" in html


def test_access_log_is_paginated_by_20(client, user):
    for i in range(25):
        services.record_access(
            accessor_label="System",
            accessor_kind=AccessorKind.SYSTEM,
            purpose="PREFILL",
            what=f"row-{i:02d}",
            subject_user=user,
        )
    client.force_login(user)
    first = client.get(MY_DATA_URL).content.decode()
    assert first.count("<tr>") == 21  # header + 20 rows
    assert "row-24" in first and "row-04" not in first
    second = client.get(MY_DATA_URL, {"page": 2}).content.decode()
    assert second.count("<tr>") == 6 and "row-00" in second
    assert client.get(MY_DATA_URL, {"page": "zzz"}).status_code == 200


def test_withdraw_view(client, user, other_user, camdx_text):
    mine = services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    theirs = services.give_consent(other_user, ConsentPurpose.CAMDX_CLUSTER, camdx_text)
    client.force_login(user)
    url = reverse("privacy:withdraw", args=[mine.pk])
    assert client.get(url).status_code == 405
    assert client.post(reverse("privacy:withdraw", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(MY_DATA_URL, 302)]
    assert "Your consent is withdrawn" in response.content.decode()
    assert not selectors.has_consent(user)
    assert client.post(url).status_code == 404  # already withdrawn
    assert client.post("/my-data/consents/999999/withdraw/").status_code == 404


def test_khmer_pages_render(client, user, camdx_text):
    client.force_login(user)
    response = client.get(CONSENT_URL, HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="km"' in html and camdx_text.title_km in html
    response = client.get(MY_DATA_URL, HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == 200 and 'lang="km"' in response.content.decode()


def test_no_published_text_is_handled(client, user, camdx_text):
    from privacy.models import ConsentText

    ConsentText.objects.filter(pk=camdx_text.pk).update(status=ConsentText.Status.RETIRED)
    client.force_login(user)
    response = client.get(CONSENT_URL)
    assert response.status_code == 503 and "not available" in response.content.decode()
    response = client.post(CONSENT_URL, {"camdx_text_id": camdx_text.pk, "agree_camdx": "on"})
    assert response.status_code == 200 and "please read it again" in response.content.decode()
    assert not Consent.objects.exists()
