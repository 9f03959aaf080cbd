"""Reads: lookups by Single ID, identity number and name; address pickers; ISIC search; owner statistics."""

import datetime

import pytest

from registry import selectors, services
from registry.models import Business, BusinessRole, Person


@pytest.fixture
def registry(make_person, make_business):
    dara = make_person(identity_number="010234567")
    lan = make_person(foreigner=True, identity_number="C4821937")
    angkor = make_business(
        single_id="1000000101",
        name_km="ក្រុមហ៊ុន អង្គរស្មាយល៍ ត្រាវែល ឯ.ក",
        name_en="Angkor Smile Travel Co., Ltd.",
        owner=dara,
    )
    mekong = make_business(
        single_id="1000000102",
        name_km="រោងម៉ាស៊ីនកិនស្រូវ មេគង្គស្រស់",
        name_en="Mekong Fresh Rice Mill",
        owner=dara,
    )
    pho = make_business(single_id="1000000103", name_km="ភោជនីយដ្ឋាន ផៅ", name_en="Saigon Pho", owner=lan)
    for n in range(5):
        make_business(name_en=f"Other Trading {n}", name_km=f"ពាណិជ្ជកម្ម ផ្សេង {n}")
    return {"dara": dara, "lan": lan, "angkor": angkor, "mekong": mekong, "pho": pho}


def test_business_by_single_id(registry):
    assert selectors.business_by_single_id("1000000101") == registry["angkor"]
    assert selectors.business_by_single_id("១០០០០០០១០១") == registry["angkor"]  # Khmer digits
    assert selectors.business_by_single_id(" 1000000101 ") == registry["angkor"]
    assert selectors.business_by_single_id("9999999999") is None
    assert selectors.business_by_single_id("") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("អង្គរស្មាយល៍", "angkor"),  # Khmer substring
        ("មេគង្គ", "mekong"),
        ("angkor smile", "angkor"),  # English, any case
        ("RICE MILL", "mekong"),
        ("Mekong Fresh Rice Mill", "mekong"),  # exact name
        ("Mekng Fresh Rise Mil", "mekong"),  # typos: trigram similarity
        ("1000000103", "pho"),  # Single ID
    ],
)
def test_search_businesses_finds_by_name_or_single_id(registry, query, expected):
    results = selectors.search_businesses(query)
    assert results and results[0] == registry[expected]


def test_search_ranks_closer_names_first_and_respects_the_limit(registry):
    results = selectors.search_businesses("Trading", limit=3)
    assert len(results) == 3
    assert all("Trading" in b.name_en for b in results)
    assert selectors.search_businesses("x") == []  # too short to search
    assert selectors.search_businesses("   ") == []
    assert selectors.search_businesses("zzzzzz-nothing") == []


def test_businesses_for_person_uses_the_hash_and_active_roles_only(registry):
    dara, angkor, mekong = registry["dara"], registry["angkor"], registry["mekong"]
    assert set(selectors.businesses_for_person("010 234 567")) == {angkor, mekong}

    role = BusinessRole.objects.get(business=mekong, person=dara)
    services.end_role(role, until=datetime.date(2024, 1, 31))
    assert list(selectors.businesses_for_person("010234567")) == [angkor]

    services.link_person(angkor, registry["lan"], BusinessRole.Role.REPRESENTATIVE)
    assert list(selectors.businesses_for_person("C4821937", roles=["REPRESENTATIVE"])) == [angkor]
    assert list(selectors.businesses_for_person("C4821937", roles=["OWNER"])) == [registry["pho"]]
    assert selectors.businesses_for_person("000000000").count() == 0


def test_a_role_ending_in_the_future_is_still_active(registry):
    role = BusinessRole.objects.get(business=registry["angkor"], person=registry["dara"])
    role.until = datetime.date.today() + datetime.timedelta(days=30)
    role.save()
    assert registry["angkor"] in selectors.businesses_for_person("010234567")


def test_search_people_by_number_or_name(registry):
    assert selectors.search_people("010-234-567") == [registry["dara"]]
    assert registry["lan"] in selectors.search_people("nguyen")
    assert registry["dara"] in selectors.search_people("សុខ ដារ៉ា")


def test_units_under_for_cascading_pickers(ref):
    assert selectors.units_under().count() == 25
    khans = selectors.units_under("12")
    assert khans.count() == 14 and all(u.code.startswith("12") for u in khans)
    villages = selectors.units_under("1201", level="village")
    assert villages.exists() and {u.level for u in villages} == {"village"}
    assert all(u.code.startswith("1201") for u in villages)
    assert selectors.units_under("nope").count() == 0


def test_search_isic_by_code_english_or_khmer(ref):
    assert [a.code for a in selectors.search_isic("4711")] == ["4711"]
    assert "5510" in {a.code for a in selectors.search_isic("short term accommodation")}
    divisions = selectors.search_isic("ការដឹកជញ្ជូន", level="division")
    assert {"49", "50", "51"} <= {a.code for a in divisions}
    assert selectors.search_isic("") == []


def test_owner_statistics_by_nationality_and_gender(registry, make_person, make_business):
    make_business(owner=make_person(gender=Person.Gender.FEMALE, first_name_en="Sophea"))
    stats = {row["nationality_code"]: row for row in selectors.owner_statistics()}
    assert stats["KH"] == {
        "nationality_code": "KH",
        "number_of_female_biz_owner": 1,
        "number_of_male_biz_owner": 1,
        "total_number_of_owner": 2,
    }
    assert stats["VN"]["total_number_of_owner"] == 1
    assert [row["nationality_code"] for row in selectors.owner_statistics("vn")] == ["VN"]


def test_part5_blocks(registry, unit):
    angkor = registry["angkor"]
    angkor.village = unit("17100101")
    angkor.full_clean()
    angkor.save()
    company = selectors.business_part5(Business.objects.get(pk=angkor.pk))
    assert company["single_id"] == "1000000101"
    assert company["company_name_kh"].startswith("ក្រុមហ៊ុន")
    assert company["current_address"]["province"]["code"] == "17"
    assert company["total_number_of_female_employees"] == 4
    owner = selectors.person_part5(registry["dara"])
    assert owner["identity_code"] == "010234567"
    assert owner["nationality_code"] == "KH" and owner["nationality_name_kh"] == "កម្ពុជា"
    assert owner["date_of_birth"] == "1985-06-15" and owner["gender"] == "MALE"


def test_search_leaves_the_callers_planner_settings_alone(registry):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        selectors.search_businesses("Mekng Fresh")  # takes the fuzzy path too
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('pg_trgm.word_similarity_threshold')"
        )
        assert cursor.fetchone() == ("on", "0.6")
