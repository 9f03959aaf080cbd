"""An applicant acts for a business they own or represent, never for another; the header shows it."""

from __future__ import annotations

import datetime

import pytest

from esb.models import AuditEvent
from registry.models import Business, BusinessRole, Person
from tests.accounts.support import login_via_camdigikey, make_profile

pytestmark = pytest.mark.django_db


def person(identity_number: str, **kwargs) -> Person:
    return Person.objects.create(
        last_name_en="Sok",
        first_name_en="Dara",
        gender=Person.Gender.MALE,
        identity_number=identity_number,
        **kwargs,
    )


def business(single_id: str, name_en: str) -> Business:
    return Business.objects.create(
        single_id=single_id, name_km=f"ក្រុមហ៊ុន {name_en}", name_en=name_en, legal_form="PRIVATE_LIMITED"
    )


@pytest.fixture
def registry_rows(db):
    me = person("010234567")
    stranger = person("099999999")
    mine = business("1000000101", "Angkor Smile")
    represented = business("1000000102", "Mekong Rice")
    theirs = business("1000000103", "Not Mine")
    ended = business("1000000104", "Sold Last Year")
    BusinessRole.objects.create(business=mine, person=me, role=BusinessRole.Role.OWNER)
    BusinessRole.objects.create(business=represented, person=me, role=BusinessRole.Role.REPRESENTATIVE)
    BusinessRole.objects.create(business=theirs, person=stranger, role=BusinessRole.Role.OWNER)
    BusinessRole.objects.create(
        business=ended, person=me, role=BusinessRole.Role.OWNER, until=datetime.date(2020, 1, 1)
    )
    return {"mine": mine, "represented": represented, "theirs": theirs, "ended": ended}


@pytest.fixture
def applicant(client, fake_camdigikey):
    # CamDigiKey's personal code written differently from the registry's: the keyed hash normalises both
    login_via_camdigikey(client, fake_camdigikey, make_profile(personal_code="010-234-567"))
    return client


def test_the_header_shows_the_name_and_the_businesses_to_act_for(applicant, registry_rows):
    html = applicant.get("/").content.decode()
    assert "Sok Dara" in html
    assert "Angkor Smile" in html and "Mekong Rice" in html
    assert "Not Mine" not in html and "Sold Last Year" not in html
    assert 'action="/accounts/logout/"' in html


def test_the_header_offers_login_to_visitors(client, db):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/?next=/"' in html
    assert "/accounts/logout/" not in html


def test_acting_for_an_own_or_represented_business(applicant, registry_rows):
    response = applicant.post("/accounts/acting-for/", {"business": registry_rows["mine"].pk, "next": "/"})
    assert response.status_code == 302
    assert applicant.session["esb_acting_for"] == registry_rows["mine"].pk
    event = AuditEvent.objects.get(action="acting_for.select")
    assert event.on_behalf_of == "1000000101"
    assert (
        applicant.post("/accounts/acting-for/", {"business": registry_rows["represented"].pk}).status_code
        == 302
    )
    assert applicant.session["esb_acting_for"] == registry_rows["represented"].pk
    html = applicant.get("/").content.decode()
    assert f'<option value="{registry_rows["represented"].pk}" selected>' in html


@pytest.mark.parametrize("which", ["theirs", "ended"])
def test_acting_for_another_business_is_refused(applicant, registry_rows, which):
    response = applicant.post("/accounts/acting-for/", {"business": registry_rows[which].pk})
    assert response.status_code == 404
    assert "esb_acting_for" not in applicant.session


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_malformed_or_unknown_businesses_are_refused(applicant, registry_rows, value):
    assert applicant.post("/accounts/acting-for/", {"business": value}).status_code == 404


def test_acting_as_oneself_again(applicant, registry_rows):
    applicant.post("/accounts/acting-for/", {"business": registry_rows["mine"].pk})
    applicant.post("/accounts/acting-for/", {"business": "self"})
    assert "esb_acting_for" not in applicant.session


def test_a_role_that_ended_since_it_was_chosen_no_longer_counts(applicant, registry_rows):
    from accounts.selectors import acting_business

    applicant.post("/accounts/acting-for/", {"business": registry_rows["mine"].pk})
    BusinessRole.objects.filter(business=registry_rows["mine"]).update(until=datetime.date(2020, 1, 1))
    response = applicant.get("/")
    assert acting_business(response.wsgi_request) is None


def test_acting_for_needs_a_login_and_a_post(client, registry_rows):
    response = client.post("/accounts/acting-for/", {"business": registry_rows["mine"].pk})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/acting-for/").status_code in (302, 405)


def test_the_header_and_the_acting_business_share_one_registry_query(applicant, registry_rows):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    applicant.post("/accounts/acting-for/", {"business": registry_rows["represented"].pk})
    with CaptureQueriesContext(connection) as queries:
        html = applicant.get("/").content.decode()
    registry_reads = [q["sql"] for q in queries.captured_queries if 'FROM "registry_business"' in q["sql"]]
    assert len(registry_reads) == 1, registry_reads
    # the switcher lists both businesses and shows the one acted for as chosen
    assert f'<option value="{registry_rows["represented"].pk}" selected>' in html
    assert "Angkor Smile" in html


def test_a_business_beyond_the_menu_is_still_found_and_checked(applicant, registry_rows, monkeypatch):
    """The header lists the first MENU_BUSINESSES businesses by id; acting for one further down still works
    (it is looked up on its own), and scoping falls back to the registry lookup."""
    from accounts import selectors

    monkeypatch.setattr(selectors, "MENU_BUSINESSES", 1)  # the menu holds "mine" only (the lower id)
    applicant.post("/accounts/acting-for/", {"business": registry_rows["represented"].pk})
    request = applicant.get("/").wsgi_request
    assert [b.pk for b in selectors.menu_businesses(request)] == [registry_rows["mine"].pk]
    assert selectors.acting_business(request) == registry_rows["represented"]
    assert selectors.all_business_ids(request) is None  # the menu is full: not every business is in it
    BusinessRole.objects.filter(business=registry_rows["represented"]).update(until=datetime.date(2020, 1, 1))
    assert selectors.acting_business(applicant.get("/").wsgi_request) is None
