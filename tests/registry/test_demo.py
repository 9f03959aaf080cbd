"""Registry demo data (demo_data/*.yaml): idempotent, consistent, findable through the selectors; a malformed
file is refused with its name and key."""

from io import StringIO

from esb.models import AuditEvent
from registry import demo, selectors
from registry.models import (
    Business,
    BusinessActivity,
    BusinessRole,
    Department,
    Institution,
    Person,
    Property,
)


def counts() -> dict[str, int]:
    models = (Institution, Department, Person, Business, BusinessRole, BusinessActivity, Property, AuditEvent)
    return {m.__name__: m.objects.count() for m in models}


def test_seed_is_idempotent(ref):
    demo.seed(StringIO())
    first = counts()
    assert first["Institution"] >= 5 and first["Person"] >= 30 and first["Business"] >= 20
    assert set(Institution.objects.values_list("code", flat=True)) >= {"MOC", "MOT", "MISTI", "MOH", "PPCH"}
    assert all(2 <= i.departments.count() <= 4 for i in Institution.objects.all())

    demo.seed(StringIO())
    assert counts() == first  # nothing new, not even audit events


def test_seed_repairs_drifted_rows(ref):
    demo.seed(StringIO())
    moc = Institution.objects.get(code="MOC")
    Institution.objects.filter(pk=moc.pk).update(name_en="Ministry of Something")
    angkor = selectors.business_by_single_id("1000000101")
    Business.objects.filter(pk=angkor.pk).update(total_employees=999)

    demo.seed(StringIO())
    assert Institution.objects.get(code="MOC").name_en == "Ministry of Commerce"
    assert Business.objects.get(pk=angkor.pk).total_employees == 24
    assert AuditEvent.objects.filter(action="registry.business.update", object_id=str(angkor.pk)).exists()


def test_demo_people_and_businesses_are_linked_and_addressed(ref):
    demo.seed(StringIO())
    owners = selectors.businesses_for_person("010234567")  # Sok Dara
    assert [b.single_id for b in owners] == ["1000000101"]
    for business in Business.objects.exclude(single_id__startswith="9"):
        assert business.village_id and business.province_id
        assert business.business_activities.filter(is_primary=True).count() == 1
        assert business.roles.filter(role="OWNER").exists()
        business.full_clean()  # the address hierarchy and the employee counts are consistent
    nationalities = set(Person.objects.values_list("nationality_id", flat=True))
    assert "KH" in nationalities and len(nationalities) >= 4
    assert set(Person.objects.values_list("gender", flat=True)) == {"FEMALE", "MALE"}


def test_logins_say_which_business_each_person_owns_or_represents():
    rows = dict(demo.logins())
    assert rows["Sok Dara (010234567)"] == "owner of Angkor Smile Travel & Tours Co., Ltd. (1000000101)"
    assert rows["Lim Sreypov (011902233)"] == (
        "owner and representative of Phnom Penh Digital Solutions Co., Ltd. (1000000103)"
    )
    assert rows["Chan Sophea (010456712)"] == "representative of Khmer Pharma Co., Ltd. (1000000108)"
    assert rows["Vann Veasna (120111222)"] == "no business: applies as an individual"
    assert len(rows) == 31
