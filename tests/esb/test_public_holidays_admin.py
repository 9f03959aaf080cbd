"""The public-holiday table in the back-office: who may change it, what it refuses, and that a change
reaches the working-day clocks at once."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import User
from esb.models import AuditEvent, PublicHoliday
from esb.working_days import add_working_days, is_working_day
from registry.models import Institution

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:esb_publicholiday_changelist")
ADD = reverse("admin:esb_publicholiday_add")


def officer(role: str, code: str) -> User:
    institution = None
    if role != "system_administrator":
        institution, _created = Institution.objects.get_or_create(
            code="MOC", defaults={"name_km": "ពាណិជ្ជកម្ម", "name_en": "Commerce"}
        )
    user = services.register_officer(code, full_name_en=f"Officer {code}", by=None)
    services.assign_role(user, role, institution, by=None)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def service_admin_client(client):
    client.force_login(officer("service_administrator", "OFF-HOL-001"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def holiday_form(**overrides) -> dict:
    values = {
        "date": "2030-01-07",
        "kind": "public",
        "name_km": "ថ្ងៃឈប់សម្រាកពិសេស",
        "name_en": "Special day off",
        "notes": "Sub-decree No. 1 of 2029",
    }
    values.update(overrides)
    return values


def test_a_service_administrator_adds_a_holiday_and_the_clocks_see_it(
    service_admin_client, django_capture_on_commit_callbacks
):
    friday = datetime.date(2030, 1, 4)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_working_days(friday, 1) == datetime.date(2030, 1, 7)  # the year is cached now

    response = service_admin_client.post(ADD, holiday_form())

    assert response.status_code == 302, response.content.decode()[:3000]
    added = PublicHoliday.objects.get(date=datetime.date(2030, 1, 7))
    assert not is_working_day(added.date)
    assert add_working_days(friday, 1) == datetime.date(2030, 1, 8)
    event = AuditEvent.objects.get(action="admin.add", object_type="esb.publicholiday")
    assert event.after["name_en"] == "Special day off" and event.actor_label


def test_a_service_administrator_changes_and_deletes_a_holiday(service_admin_client):
    seeded = PublicHoliday.objects.get(date=datetime.date(2026, 5, 5))
    change = reverse("admin:esb_publicholiday_change", args=[seeded.pk])
    moved = holiday_form(date="2026-05-06", name_km=seeded.name_km, name_en=seeded.name_en)

    assert service_admin_client.post(change, moved).status_code == 302
    assert is_working_day(datetime.date(2026, 5, 5)) and not is_working_day(datetime.date(2026, 5, 6))
    event = AuditEvent.objects.get(action="admin.change", object_type="esb.publicholiday")
    assert event.before["date"] == "2026-05-05" and event.after["date"] == "2026-05-06"

    delete = reverse("admin:esb_publicholiday_delete", args=[seeded.pk])
    assert service_admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert is_working_day(datetime.date(2026, 5, 6))
    assert AuditEvent.objects.filter(action="admin.delete", object_type="esb.publicholiday").exists()


def test_a_second_holiday_on_the_same_date_is_refused_with_a_clear_message(service_admin_client):
    response = service_admin_client.post(ADD, holiday_form(date="2026-04-14"))
    assert response.status_code == 200
    assert "A public holiday is already recorded on this date." in response.content.decode()
    assert PublicHoliday.objects.filter(date=datetime.date(2026, 4, 14)).count() == 1


def test_the_khmer_name_must_be_khmer_and_both_names_are_required(service_admin_client):
    response = service_admin_client.post(ADD, holiday_form(name_km="Special day off"))
    assert "Write the Khmer name in Khmer script." in response.content.decode()
    response = service_admin_client.post(ADD, holiday_form(name_en="  "))
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = service_admin_client.post(ADD, holiday_form(date="2030-02-30"))
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()
    assert not PublicHoliday.objects.filter(date__year=2030).exists()


def test_the_list_is_filtered_by_year_and_searched_by_name(service_admin_client):
    page = service_admin_client.get(CHANGELIST, {"year": "2026"}).content.decode()
    assert "Khmer New Year" in page and "2026" in page
    assert "14 Apr 2026" in page and "14 Apr 2025" not in page
    assert 'href="?year=2027"' in page  # every year held is offered

    found = service_admin_client.get(CHANGELIST, {"q": "Pchum"}).content.decode()
    assert "Pchum Ben Festival" in found and "Khmer New Year" not in found
    found_km = service_admin_client.get(CHANGELIST, {"q": "ភ្ជុំបិណ្ឌ"}).content.decode()
    assert "Pchum Ben Festival" in found_km


def test_a_reception_officer_can_neither_see_nor_change_the_holidays(client):
    client.force_login(officer("reception_officer", "OFF-HOL-002"))
    assert client.get(CHANGELIST).status_code == 403
    assert client.post(ADD, holiday_form()).status_code == 403
    seeded = PublicHoliday.objects.get(date=datetime.date(2026, 4, 14))
    delete = reverse("admin:esb_publicholiday_delete", args=[seeded.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PublicHoliday.objects.filter(pk=seeded.pk).exists()
    assert not PublicHoliday.objects.filter(date__year=2030).exists()
    assert CHANGELIST not in client.get(reverse("admin:index")).content.decode()  # no sidebar entry


def test_a_system_administrator_maintains_the_holidays_too(client):
    client.force_login(officer("system_administrator", "OFF-HOL-003"))
    assert client.get(CHANGELIST).status_code == 200
    assert client.post(ADD, holiday_form()).status_code == 302


def test_the_holiday_pages_render_in_khmer(client):
    client.force_login(officer("service_administrator", "OFF-HOL-004"))
    client.cookies["django_language"] = "km"
    page = client.get(CHANGELIST, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="km").content.decode()
    assert 'lang="km"' in page
    assert "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ" in page
    assert "អង្គារ" in page  # Tuesday 14 April 2026, the day of the week in Khmer
    assert CHANGELIST in page  # the sidebar entry
    seeded = PublicHoliday.objects.get(date=datetime.date(2026, 4, 14))
    form = client.get(reverse("admin:esb_publicholiday_change", args=[seeded.pk])).content.decode()
    assert 'lang="km"' in form and "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ" in form
