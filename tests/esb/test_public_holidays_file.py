"""The holiday reference file (esb/data/public_holidays_kh.yaml) and its loader."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from esb.models import AuditEvent, PublicHoliday
from esb.public_holidays import HOLIDAYS_FILE, HolidayFileError, load_holidays, read_holidays
from esb.working_days import is_working_day

pytestmark = pytest.mark.django_db


def test_the_file_lists_each_year_once_per_date_with_khmer_names():
    rows = read_holidays()
    by_year = {year: [r for r in rows if r.date.year == year] for year in (2025, 2026, 2027)}
    assert {year: len(days) for year, days in by_year.items()} == {2025: 22, 2026: 21, 2027: 22}
    assert len({r.date for r in rows}) == len(rows)
    water_festival_2025 = [r.date for r in by_year[2025] if r.name_en == "Water Festival"]
    assert water_festival_2025 == [datetime.date(2025, 11, d) for d in (4, 5, 6)]
    assert all(r.kind == "public" for r in rows)


def test_loading_again_changes_nothing_and_writes_no_audit_event():
    result = load_holidays()
    assert (result.created, result.updated) == (0, 0)
    assert not AuditEvent.objects.filter(action="esb.public_holidays.load").exists()


def test_the_command_restores_a_seeded_day_and_leaves_back_office_days_alone():
    PublicHoliday.objects.filter(date=datetime.date(2026, 11, 24)).delete()
    PublicHoliday.objects.filter(date=datetime.date(2026, 11, 23)).update(name_en="Typo")
    PublicHoliday.objects.create(
        date=datetime.date(2026, 12, 31), name_km="ថ្ងៃឈប់សម្រាកពិសេស", name_en="Special"
    )
    assert is_working_day(datetime.date(2026, 11, 24))

    out = StringIO()
    call_command("load_public_holidays", stdout=out)

    assert "1 created, 1 updated" in out.getvalue()
    assert PublicHoliday.objects.get(date=datetime.date(2026, 11, 23)).name_en == "Water Festival"
    assert not is_working_day(datetime.date(2026, 11, 24))
    assert PublicHoliday.objects.filter(date=datetime.date(2026, 12, 31)).exists()
    event = AuditEvent.objects.get(action="esb.public_holidays.load")
    assert event.after == {"created": 1, "updated": 1, "rows": 65}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '{date: 2030-01-01, km: "ថ្ងៃចូលឆ្នាំ", en: "A"}\n      - {date: 2030-01-01, km: "ថ្ងៃ", en: "B"}',
            "listed twice",
        ),
        ('{date: 2030-01-01, km: "New Year", en: "New Year"}', "Khmer script"),
        ('{date: 2030-01-01, km: "ថ្ងៃចូលឆ្នាំ"}', "`en`"),
        ('{date: 2031-01-01, km: "ថ្ងៃចូលឆ្នាំ", en: "A"}', "outside the year 2030"),
        ('{date: "1 January", km: "ថ្ងៃចូលឆ្នាំ", en: "A"}', "YYYY-MM-DD"),
        ('{date: 2030-01-01, km: "ថ្ងៃចូលឆ្នាំ", en: "A", kind: holiday}', "`kind` must be one of"),
    ],
)
def test_a_malformed_file_is_refused_before_anything_is_written(tmp_path, entry, message):
    path = tmp_path / "holidays.yaml"
    path.write_text(f"years:\n  2030:\n    source: test\n    holidays:\n      - {entry}\n", encoding="utf-8")
    with pytest.raises(HolidayFileError, match=message):
        load_holidays(path=path)
    with pytest.raises(CommandError, match=message):
        call_command("load_public_holidays", file=str(path), stdout=StringIO())
    assert not PublicHoliday.objects.filter(date__year__in=(2030, 2031)).exists()


def test_the_file_header_names_its_sources():
    header = HOLIDAYS_FILE.read_text(encoding="utf-8").split("\nyears:")[0]
    assert "Prakas No. 218/24" in header and "Prakas No. 216/25" in header
    assert "PROVISIONAL" in header and "compensatory" in header
