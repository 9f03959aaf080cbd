"""The synthetic business generator (bench/synthetic, development only): idempotent, realistic, fast paths
that restore what they drop; run from its own command line (`python -m bench.synthetic N`)."""

import re
from io import StringIO
from pathlib import Path

from django.db import connection

from bench.synthetic import rows
from bench.synthetic.__main__ import main
from bench.synthetic.generator import generate
from esb import crypto
from registry import selectors
from registry.models import Business, BusinessActivity, BusinessRole

FOREIGN_KEYS = (
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'f' AND conrelid::regclass::text LIKE 'registry_%%' ORDER BY 1, 2"
)


def test_the_command_line_adds_businesses(ref, capsys):
    assert main(["40"]) == 0
    assert "created 40 businesses and 40 owners" in capsys.readouterr().out
    assert Business.objects.filter(single_id__startswith="9").count() == 40


def test_python_m_bench_synthetic_starts_without_django_set_up():
    # `python -m` imports the package before main() sets Django up, and spawned workers import `rows`
    # alone: neither may import a model at import time.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bench.synthetic", "--help"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "python -m bench.synthetic" in done.stdout
    worker = subprocess.run(
        [sys.executable, "-c", "import bench.synthetic.rows"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr


def test_the_command_line_is_refused_in_production(ref, settings, capsys):
    settings.IS_PRODUCTION = True
    assert main(["10"]) == 2
    assert "ESB_ENV=production" in capsys.readouterr().err
    assert not Business.objects.exists()


def test_out_of_range_counts_are_refused(ref, capsys):
    assert main(["-5"]) == 2
    assert "between 0 and" in capsys.readouterr().err


def test_no_app_holds_or_imports_the_generator():
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"bench\.synthetic|synthetic_rows|registry\.synthetic")
    apps = [
        top
        for top in root.iterdir()
        if top.is_dir()
        and not top.is_symlink()
        and not top.name.startswith(".")
        and top.name not in {"bench", "tests", "docs", "static", "locale"}
    ]
    offenders = [
        str(path.relative_to(root))
        for top in apps
        for path in top.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert not list((root / "registry").glob("synthetic*.py"))


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
