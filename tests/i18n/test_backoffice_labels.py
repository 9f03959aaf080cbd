"""Issue 9, Khmer: back-office labels that stayed English, and the officer's name in one order."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.functional import Promise

from accounts.models import User
from applications.models import Application, ApplicationRevision

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "field", "label"),
    [
        (Application, "locked_fields", "locked fields"),
        (Application, "completed_steps", "completed steps"),
        (Application, "correction_fields", "correction fields"),
        (ApplicationRevision, "changed_fields", "changed fields"),
    ],
)
def test_application_fields_have_translatable_labels(model, field, label):
    # A verbose_name Django makes up from the attribute name never reaches gettext: the label stays English.
    verbose_name = model._meta.get_field(field).verbose_name
    assert isinstance(verbose_name, Promise)
    with translation.override("en"):
        assert str(verbose_name) == label


@pytest.fixture
def officer():
    return User.objects.create_superuser(
        "officer-sok",
        "sok@example.gov.kh",
        "a-long-test-password-1",
        first_name="Dara",
        last_name="Sok",
        full_name_en="Sok Dara",
        full_name_km="សុខ ដារ៉ា",
    )


@pytest.mark.parametrize(("language", "name"), [("en", "Sok Dara"), ("km", "សុខ ដារ៉ា")])
def test_the_backoffice_header_writes_the_officer_name_in_one_order(client, officer, language, name):
    client.force_login(officer)
    client.cookies["django_language"] = language
    page = client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert name in page
    assert "Dara Sok" not in page  # Django's "first last" order
    with translation.override(language):
        assert officer.get_full_name() == officer.display_name == name


def test_a_name_known_only_in_parts_is_family_name_first():
    user = User(username="u", first_name="Vibol", last_name="Keo")
    assert user.get_full_name() == "Keo Vibol"
    assert User(username="nameless").display_name == "nameless"
