"""(d) The acceptance check: a Khmer back-office page shows no untranslated English from Django, its
contrib apps or the unfold theme. Our own strings (locale/, another step's job) and data values are set
aside; what remains may hold no English word of the third-party catalogs."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language_info

from tests.i18n.support import COMMON_ADMIN_WORDS, untranslated_english, visible_chunks

pytestmark = pytest.mark.django_db

User = get_user_model()
USER_ADMIN_REGISTERED = admin.site.is_registered(User)
needs_user_admin = pytest.mark.skipif(
    not USER_ADMIN_REGISTERED, reason="no admin registered for the user model"
)


@pytest.fixture
def officer():
    return User.objects.create_superuser("officer-km", "officer-km@example.gov.kh", "a-long-test-password-1")


@pytest.fixture
def khmer_client(client):
    client.cookies["django_language"] = "km"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "km"
    return client


@pytest.fixture
def data_values(officer):
    """What the pages show that is data, not interface: the officer's names, permission names (rows
    Django creates in English; see docs/i18n.md), and each language's name in that language (the
    switcher shows "English" to English readers on purpose)."""
    values = {officer.username, officer.email, officer.username[:1].upper(), officer.get_username()}
    values |= set(Permission.objects.values_list("name", flat=True))
    for code in ("km", "en"):
        values |= {code, get_language_info(code)["name_local"]}
    return values


def _user_url(name: str, *args) -> str:
    opts = User._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)


def assert_khmer(response, data_values):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Language"] == "km"
    html = response.content.decode()
    assert any("\u1780" <= ch <= "\u17ff" for ch in html), "no Khmer at all on the page"
    leftovers = untranslated_english(html, data_values)
    assert leftovers == [], "untranslated third-party English on a Khmer page:\n" + "\n".join(
        f"  {chunk!r}: {words}" for chunk, words in leftovers
    )


def test_the_detector_sees_untranslated_english():
    # The check below is only worth something if it would catch English: prove it on a known page.
    html = (
        '<html><body><h1>Site administration</h1><button title="Log out">ចាកចេញ</button>'
        '<span class="material-symbols-outlined">search</span><script>var s="Save";</script>'
        "<p>ទំព័រដើម</p></body></html>"
    )
    found = dict(untranslated_english(html, set()))
    assert "Site administration" in found
    assert "Log out" in found
    assert "search" not in found  # an icon ligature, not a word
    assert not any("Save" in chunk for chunk in found)  # script text is not shown
    assert "ទំព័រដើម" in visible_chunks(html)
    assert COMMON_ADMIN_WORDS.search("Please Save it")


def test_login_page(khmer_client, data_values):
    assert_khmer(khmer_client.get(reverse("admin:login")), data_values)


def test_login_page_with_errors(khmer_client, data_values):
    response = khmer_client.post(reverse("admin:login"), {"username": "nobody", "password": "wrong"})
    assert_khmer(response, data_values)
    assert "សូមបញ្ចូល" in response.content.decode()  # the "enter a correct username" error


def test_admin_index(khmer_client, officer, data_values):
    khmer_client.force_login(officer)
    assert_khmer(khmer_client.get(reverse("admin:index")), data_values)


def test_logged_out_page(khmer_client, officer, data_values):
    khmer_client.force_login(officer)
    assert_khmer(khmer_client.post(reverse("admin:logout")), data_values)


def test_password_change_page(khmer_client, officer, data_values):
    khmer_client.force_login(officer)
    assert_khmer(khmer_client.get(reverse("admin:password_change")), data_values)


def test_password_change_with_errors(khmer_client, officer, data_values):
    khmer_client.force_login(officer)
    response = khmer_client.post(
        reverse("admin:password_change"),
        {"old_password": "not-it", "new_password1": "123", "new_password2": "456"},
    )
    assert_khmer(response, data_values)


@needs_user_admin
@pytest.mark.parametrize("query", ["", "?q=officer", "?q=nobody-matches-this", "?is_staff__exact=1"])
def test_user_changelist(khmer_client, officer, data_values, query):
    khmer_client.force_login(officer)
    assert_khmer(khmer_client.get(_user_url("changelist") + query), data_values)


@needs_user_admin
@pytest.mark.parametrize("view", ["change", "history", "delete", "password_change"])
def test_user_object_pages(khmer_client, officer, data_values, view):
    khmer_client.force_login(officer)
    try:
        url = _user_url(view, officer.pk)
    except NoReverseMatch:
        # django.contrib.auth's UserAdmin names this page after auth.User whatever the user model
        url = reverse(f"admin:auth_user_{view}", args=[officer.pk])
    assert_khmer(khmer_client.get(url), data_values)


@needs_user_admin
def test_user_add_form_and_its_errors(khmer_client, officer, data_values):
    khmer_client.force_login(officer)
    url = _user_url("add")
    assert_khmer(khmer_client.get(url), data_values)
    response = khmer_client.post(
        url, {"username": "not a valid name!", "usable_password": "true", "password1": "1", "password2": "2"}
    )
    assert_khmer(response, data_values)
    assert "ពាក្យសម្ងាត់ទាំងពីរមិនដូចគ្នាទេ" in response.content.decode()
