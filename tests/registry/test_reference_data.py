"""load_reference_data on the real CSVs: counts, idempotency, repair, bad files, localisation."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from esb.models import AuditEvent
from registry.models import AdministrativeUnit, Country, IsicActivity
from registry.reference_loader import DATA_DIR, gazetteer_counts

EXPECTED = {"province": 25, "district": 210, "commune": 1652, "village": 14578}


def run(*args) -> str:
    out = StringIO()
    call_command("load_reference_data", *args, stdout=out)
    return out.getvalue()


def test_reference_data_ships_inside_the_project():
    for name in ("gazetteer.csv", "isic_rev4.csv", "countries.csv", "isic_sections_km.csv", "NOTICE.md"):
        assert (DATA_DIR / name).is_file()
    assert DATA_DIR.resolve().is_relative_to(Path(__file__).resolve().parents[2] / "registry")
    notice = (DATA_DIR / "NOTICE.md").read_text(encoding="utf-8")
    assert "Copyright (c) 2019 David Wilkie" in notice
    assert "ODbL" in notice and "Unicode License" in notice and "United Nations Statistics Division" in notice


def test_loader_reports_counts_and_is_idempotent(ref):
    # the session fixture already loaded everything: a re-run must change nothing
    output = run()
    assert "25 provinces, 210 districts, 1,652 communes, 14,578 villages" in output
    for dataset in ("countries: 249", "gazetteer: 16,465", "isic: 766"):
        assert dataset in output
    assert output.count("0 created, 0 updated") == 3
    assert gazetteer_counts() == EXPECTED
    assert not AuditEvent.objects.filter(action="registry.reference_data.load").exists()


def test_loader_restores_missing_rows_and_repairs_edits(ref, unit):
    AdministrativeUnit.objects.filter(level="village", code__startswith="120101").delete()
    AdministrativeUnit.objects.filter(code="17").update(name_en="Siem Reap (edited)")
    Country.objects.filter(alpha2="KH").update(name_km="?")

    output = run("--only", "gazetteer", "--only", "countries")

    assert "gazetteer: 16,465 rows in file — 16 created, 1 updated" in output
    assert "countries: 249 rows in file — 0 created, 1 updated" in output
    assert gazetteer_counts() == EXPECTED
    assert unit("17").name_en == "Siem Reap"
    village = unit("12010101")
    assert village.parent == unit("120101") and village.parent.parent == unit("1201")
    assert Country.objects.get(alpha2="KH").name_km == "កម្ពុជា"
    events = AuditEvent.objects.filter(action="registry.reference_data.load")
    assert sorted(e.object_id for e in events) == ["countries", "gazetteer"]


def test_parents_are_linked_at_every_level(ref):
    for level, parent_level in AdministrativeUnit.PARENT_LEVEL.items():
        units = AdministrativeUnit.objects.filter(level=level)
        assert not units.exclude(parent__level=parent_level).exists()
    assert not AdministrativeUnit.objects.filter(level="province", parent__isnull=False).exists()
    assert IsicActivity.objects.get(code="0111").parent.code == "011"
    assert IsicActivity.objects.get(code="01").parent.code == "A"


def test_a_malformed_file_is_refused_with_a_clear_message(ref, tmp_path):
    for name in ("countries.csv", "isic_rev4.csv", "isic_sections_km.csv"):
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    (tmp_path / "gazetteer.csv").write_text(
        "code,level,parent_code,name_km,name_en,name_en_ncdd,type_km,type_latin,type_en,iso3166_2\n"
        "99,province,,ខេត្តថ្មី,New,New,ខេត្ត,Khaet,Province,KH-99\n"
        "9801,district,98,ស្រុក,Orphan,Orphan,ស្រុក,Srok,District,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="9801 has no province parent '98'"):
        run("--data-dir", str(tmp_path), "--only", "gazetteer")
    assert not AdministrativeUnit.objects.filter(code="99").exists()

    with pytest.raises(CommandError, match="does not exist"):
        run("--data-dir", str(tmp_path / "nowhere"))


def test_isic_khmer_titles_are_project_translations_with_english_fallback(ref):
    section = IsicActivity.objects.get(code="A")
    division = IsicActivity.objects.get(code="47")
    klass = IsicActivity.objects.get(code="4711")
    assert section.title_km and division.title_km
    assert IsicActivity.objects.filter(level__in=["section", "division"], title_km="").count() == 0
    assert klass.title_km == ""
    with translation.override("km"):
        assert section.title == section.title_km
        assert klass.title == klass.title_en  # no Khmer title: English
    with translation.override("en"):
        assert section.title == "Agriculture, forestry and fishing"


def test_names_follow_the_active_language(ref, unit):
    phnom_penh = unit("12")
    cambodia = Country.objects.get(alpha2="KH")
    with translation.override("km"):
        assert phnom_penh.name == "ភ្នំពេញ" and str(cambodia) == "កម្ពុជា"
        assert unit("1201").full_name == "ខណ្ឌចំការមន"
        assert cambodia.nationality == "សញ្ជាតិកម្ពុជា"
    with translation.override("en"):
        assert phnom_penh.name == "Phnom Penh" and str(cambodia) == "Cambodia"
        assert unit("1201").full_name == "Chamkar Mon Khan"
        assert cambodia.nationality == "Cambodian"
    # the one village without a Latin name falls back to Khmer
    with translation.override("en"):
        assert unit("02010508").name == unit("02010508").name_km
