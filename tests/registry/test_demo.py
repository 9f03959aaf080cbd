"""Demo data and the synthetic generator: idempotent, consistent, findable through the selectors."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from esb import crypto
from esb.models import AuditEvent
from registry import demo, selectors
from registry import synthetic_rows as rows
from registry.models import (
    Business,
    BusinessActivity,
    BusinessRole,
    Department,
    Institution,
    Person,
    Property,
)
from registry.synthetic import generate

FOREIGN_KEYS = (
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'f' AND conrelid::regclass::text LIKE 'registry_%%' ORDER BY 1, 2"
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


def test_seed_demo_data_command_accepts_businesses(ref, capsys):
    # (no stdout= here: seed_demo_data forwards its options, stdout included, to every app's seed())
    call_command("seed_demo_data", "--businesses", "40")
    assert "created 40 businesses and 40 owners" in capsys.readouterr().out
    assert Business.objects.filter(single_id__startswith="9").count() == 40


def test_synthetic_generator_small_run(ref):
    result = generate(500, StringIO())
    assert (result.created, result.people_created) == (500, 500)
    synthetic = Business.objects.filter(single_id__range=(rows.single_id(1), rows.single_id(500)))
    assert synthetic.count() == 500
    assert BusinessRole.objects.filter(business__in=synthetic, role="OWNER").count() == 500
    assert BusinessActivity.objects.filter(business__in=synthetic, is_primary=True).count() == 500
    names = list(synthetic.values_list("name_en", flat=True))
    assert len(set(names)) == 500  # deterministic but distinct
    assert len(set(synthetic.values_list("province_id", flat=True))) > 10

    # the owner is found through the keyed hash of the number the generator encrypted
    doc_type, number = rows.owner_identity(123)
    owner = selectors.person_by_identity(doc_type, number)
    assert owner is not None and owner.identity_number == number
    assert owner.phone and owner.date_of_birth
    assert [b.single_id for b in selectors.businesses_for_person(number)] == [rows.single_id(123)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity_number FROM registry_person WHERE id = %s", [owner.pk])
        assert crypto.decrypt(cursor.fetchone()[0]) == number

    # every synthetic row passes the model validation the ORM would have applied
    for business in synthetic.order_by("?")[:25]:
        business.full_clean()

    again = generate(500, StringIO())
    assert again.created == 0 and again.existing == 500
    more = generate(520, StringIO())
    assert more.created == 20
    assert synthetic.count() == 500 and Business.objects.filter(single_id__startswith="9").count() == 520


def test_synthetic_generator_reuses_owners_left_by_an_interrupted_run(ref):
    generate(10, StringIO())
    Business.objects.filter(single_id=rows.single_id(7)).delete()  # as if the run stopped half-way
    result = generate(10, StringIO())
    assert (result.created, result.people_created) == (1, 0)
    assert selectors.businesses_for_person(rows.owner_identity(7)[1]).get().single_id == rows.single_id(7)


def test_synthetic_generator_bulk_mode_restores_indexes_and_keys(ref):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(FOREIGN_KEYS)
            keys = cursor.fetchall()
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'registry_%%' ORDER BY 1")
            return keys, [row[0] for row in cursor.fetchall()]

    keys_before, indexes_before = schema()
    generate(50, StringIO(), bulk_mode=True)
    keys_after, indexes_after = schema()
    assert keys_after == keys_before and len(keys_before) >= 13
    assert indexes_after == indexes_before
    assert sum("gin_trgm_ops" in definition for definition in indexes_after) == 6
    assert Business.objects.filter(single_id__startswith="9").count() == 50


def test_synthetic_names_are_realistic(ref):
    km, en, form, _activity = rows.business_name(1)
    assert en and km and form in Business.LegalForm.values
    for index in range(1, 200):
        km, en, form, _activity = rows.business_name(index)
        if form == "PRIVATE_LIMITED":
            assert en.endswith("Co., Ltd.") and km.startswith("ក្រុមហ៊ុន") and km.endswith("ឯ.ក")


def test_out_of_range_counts_are_refused(ref):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo_data", "--businesses", "-5")
