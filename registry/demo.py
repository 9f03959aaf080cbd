"""Demo data for the registry: institutions with departments, people, businesses and properties.

Idempotent: every row has a natural key (institution code, identity document, Single ID, title number) and is
created or brought back to the values in `registry/demo_data/*.csv`. Addresses use real village codes. Names,
identity numbers and phone numbers are invented; e-mail addresses use the reserved example.com domain.

`--businesses N` adds N synthetic businesses with owners for scale tests (see registry/synthetic.py).
"""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction

from registry import services
from registry.models import (
    AdministrativeUnit,
    Business,
    BusinessRole,
    Country,
    Department,
    Institution,
    IsicActivity,
    Person,
    Property,
)
from registry.reference_loader import load_reference_data
from registry.selectors import business_by_single_id, person_by_identity
from registry.synthetic import DEFAULT_BATCH, SyntheticDataError, generate

INSTITUTIONS = [
    {
        "code": "MOC",
        "name_km": "ក្រសួងពាណិជ្ជកម្ម",
        "name_en": "Ministry of Commerce",
        "abbreviation_en": "MOC",
        "camdx_member_code": "MOC",
        "website": "https://www.moc.gov.kh",
        "departments": [
            ("business-registration", "នាយកដ្ឋានចុះបញ្ជីអាជីវកម្ម", "Department of Business Registration"),
            ("intellectual-property", "នាយកដ្ឋានកម្មសិទ្ធិបញ្ញា", "Department of Intellectual Property"),
            ("domestic-trade", "អគ្គនាយកដ្ឋានពាណិជ្ជកម្មក្នុងស្រុក", "General Department of Domestic Trade"),
            ("camcontrol", "អគ្គនាយកដ្ឋានកាំកុងត្រូល", "CamControl General Department"),
        ],
    },
    {
        "code": "MOT",
        "name_km": "ក្រសួងទេសចរណ៍",
        "name_en": "Ministry of Tourism",
        "abbreviation_en": "MOT",
        "camdx_member_code": "MOT",
        "website": "https://www.tourism.gov.kh",
        "departments": [
            ("tourism-industry", "នាយកដ្ឋានឧស្សាហកម្មទេសចរណ៍", "Department of Tourism Industry"),
            ("legal-affairs", "នាយកដ្ឋានកិច្ចការគតិយុត្ត", "Department of Legal Affairs"),
            (
                "tourism-planning",
                "នាយកដ្ឋានផែនការ និងអភិវឌ្ឍន៍ទេសចរណ៍",
                "Department of Tourism Planning and Development",
            ),
        ],
    },
    {
        "code": "MISTI",
        "name_km": "ក្រសួងឧស្សាហកម្ម វិទ្យាសាស្ត្រ បច្ចេកវិទ្យា និងនវានុវត្តន៍",
        "name_en": "Ministry of Industry, Science, Technology and Innovation",
        "abbreviation_en": "MISTI",
        "camdx_member_code": "MISTI",
        "website": "https://www.misti.gov.kh",
        "departments": [
            ("industry", "អគ្គនាយកដ្ឋានឧស្សាហកម្ម", "General Department of Industry"),
            (
                "handicraft",
                "នាយកដ្ឋានសហគ្រាសធុនតូច និងមធ្យម និងសិប្បកម្ម",
                "Department of Small and Medium Enterprises and Handicrafts",
            ),
            ("standards", "វិទ្យាស្ថានស្តង់ដារកម្ពុជា", "Institute of Standards of Cambodia"),
        ],
    },
    {
        "code": "MOH",
        "name_km": "ក្រសួងសុខាភិបាល",
        "name_en": "Ministry of Health",
        "abbreviation_en": "MOH",
        "camdx_member_code": "MOH",
        "website": "https://www.moh.gov.kh",
        "departments": [
            (
                "drugs-food",
                "នាយកដ្ឋានឱសថ ចំណីអាហារ បរិក្ខារពេទ្យ និងគ្រឿងសំអាង",
                "Department of Drugs, Food, Medical Devices and Cosmetics",
            ),
            ("hospital-services", "នាយកដ្ឋានមន្ទីរពេទ្យ", "Department of Hospital Services"),
        ],
    },
    {
        "code": "PPCH",
        "name_km": "សាលារាជធានីភ្នំពេញ",
        "name_en": "Phnom Penh Capital Hall",
        "abbreviation_en": "PPCH",
        "camdx_member_code": "PPCH",
        "website": "https://phnompenh.gov.kh",
        "departments": [
            ("one-window", "ការិយាល័យច្រកចេញចូលតែមួយរាជធានីភ្នំពេញ", "Phnom Penh One Window Service Office"),
            (
                "land-management",
                "មន្ទីររៀបចំដែនដី នគរូបនីយកម្ម សំណង់ និងសុរិយោដីរាជធានីភ្នំពេញ",
                "Phnom Penh Department of Land Management, Urban Planning, Construction and Cadastre",
            ),
        ],
    },
]

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"


def _rows(name: str) -> list[dict[str, str]]:
    """A demo table from registry/demo_data/ (CSV: easier to read and extend than Python tuples)."""
    with (DEMO_DATA / name).open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def add_arguments(parser) -> None:
    parser.add_argument(
        "--businesses",
        type=int,
        default=0,
        metavar="N",
        help="Also generate N synthetic businesses with owners (reserved Single IDs 9000000001…), "
        "e.g. 1000000 for the lookup benchmark. Idempotent.",
    )
    parser.add_argument(
        "--synthetic-batch",
        type=int,
        default=DEFAULT_BATCH,
        metavar="ROWS",
        help=f"Rows per COPY batch for --businesses (default {DEFAULT_BATCH:,}).",
    )
    parser.add_argument(
        "--synthetic-workers",
        type=int,
        default=None,
        metavar="N",
        help="Worker processes that encrypt synthetic identifiers (default: 2 for large runs, 0 for small).",
    )


def seed(out, **options) -> None:
    """Called as `seed(stdout, **options)`; the first parameter is not named `stdout` because
    `call_command(..., stdout=...)` also passes `stdout` inside the options."""
    count = options.get("businesses") or 0
    if count < 0:
        raise CommandError("--businesses must be a positive number")
    if (
        not AdministrativeUnit.objects.exists()
        or not IsicActivity.objects.exists()
        or not Country.objects.exists()
    ):
        out.write("registry: loading reference data first")
        load_reference_data()
    people_rows, business_rows, property_rows = (
        _rows("people.csv"),
        _rows("businesses.csv"),
        _rows("properties.csv"),
    )
    units = _units(people_rows, business_rows, property_rows)
    seed_institutions()
    people = seed_people(people_rows, units)
    businesses = seed_businesses(business_rows, units, people)
    seed_properties(property_rows, units, people, businesses)
    out.write(
        f"registry: {Institution.objects.count()} institutions, {Department.objects.count()} departments, "
        f"{len(people)} demo people, {len(businesses)} demo businesses, {len(property_rows)} demo properties"
    )
    if count:
        try:
            generate(
                count,
                out,
                batch_size=max(1000, options.get("synthetic_batch") or DEFAULT_BATCH),
                workers=options.get("synthetic_workers"),
            )
        except SyntheticDataError as exc:
            raise CommandError(str(exc)) from exc


def _units(
    people: list[dict], businesses: list[dict], properties: list[dict]
) -> dict[str, AdministrativeUnit]:
    codes = {row["village"] for row in (*people, *businesses, *properties)}
    units = {
        u.code: u
        for u in AdministrativeUnit.objects.select_related("parent__parent__parent").filter(code__in=codes)
    }
    missing = codes - set(units)
    if missing:
        raise CommandError(f"demo villages missing from the gazetteer: {', '.join(sorted(missing))}")
    return units


def _address(village: AdministrativeUnit) -> dict:
    commune = village.parent
    district = commune.parent
    return {"village": village, "commune": commune, "district": district, "province": district.parent}


def _email(first: str, last: str) -> str:
    return f"{first.lower().replace(' ', '')}.{last.lower()}@example.com"


def _differs(instance, values: dict) -> dict:
    return {name: value for name, value in values.items() if getattr(instance, name) != value}


@transaction.atomic
def seed_institutions() -> None:
    for data in INSTITUTIONS:
        data = dict(data)
        departments = data.pop("departments")
        institution, _created = Institution.objects.update_or_create(code=data.pop("code"), defaults=data)
        for code, name_km, name_en in departments:
            Department.objects.update_or_create(
                institution=institution, code=code, defaults={"name_km": name_km, "name_en": name_en}
            )


@transaction.atomic
def seed_people(rows: list[dict], units: dict[str, AdministrativeUnit]) -> dict[str, Person]:
    countries = {c.alpha2: c for c in Country.objects.filter(alpha2__in={row["nationality"] for row in rows})}
    people = {}
    for row in rows:
        values = {
            "last_name_km": row["last_name_km"],
            "first_name_km": row["first_name_km"],
            "last_name_en": row["last_name_en"],
            "first_name_en": row["first_name_en"],
            "gender": row["gender"],
            "nationality": countries[row["nationality"]],
            "phone": row["phone"],
            "date_of_birth": datetime.date.fromisoformat(row["date_of_birth"]),
            "email": _email(row["first_name_en"], row["last_name_en"]),
            "house_number": str(10 + 7 * len(people)),
            **_address(units[row["village"]]),
        }
        person = person_by_identity(row["identity_document_type"], row["identity_number"])
        if person is None:
            person = services.create_person(
                identity_document_type=row["identity_document_type"],
                identity_number=row["identity_number"],
                **values,
            )
        elif changes := _differs(person, values):
            person = services.update_person(person, reason="demo data", **changes)
        people[row["key"]] = person
    return people


@transaction.atomic
def seed_businesses(
    rows: list[dict], units: dict[str, AdministrativeUnit], people: dict[str, Person]
) -> dict[str, Business]:
    businesses = {}
    for row in rows:
        single_id = row["single_id"]
        activities = row["activities"].split()
        via_obr = row["registered_via_obr"] == "yes"
        values = {
            "name_km": row["name_km"],
            "name_en": row["name_en"],
            "legal_form": row["legal_form"],
            "registration_date": datetime.date.fromisoformat(row["registration_date"]),
            "email": f"info.{single_id[-3:]}@example.com",
            "phone": f"023 88{single_id[-3:]}",
            "total_employees": int(row["total_employees"]),
            "female_employees": int(row["female_employees"]),
            "foreign_employees": int(row["foreign_employees"]),
            "foreign_female_employees": int(row["foreign_female_employees"]),
            "registered_via_obr": via_obr,
            "use_obr_business_address": via_obr,
            "house_number": str(int(single_id[-3:]) * 3),
            "street_name": str(100 + int(single_id[-2:]) * 11),
            **_address(units[row["village"]]),
        }
        business = business_by_single_id(single_id)
        if business is None:
            business = services.create_business(single_id=single_id, activities=activities, **values)
        else:
            if changes := _differs(business, values):
                business = services.update_business(business, reason="demo data", **changes)
            current = list(business.business_activities.order_by("-is_primary", "activity__code"))
            if sorted(a.activity.code for a in current) != sorted(activities) or (
                current and current[0].activity.code != activities[0]
            ):
                services.set_business_activities(business, activities, activities[0])
        since = values["registration_date"]
        for key in row["owners"].split():
            services.link_person(business, people[key], BusinessRole.Role.OWNER, since=since)
        for key in row["representatives"].split():
            services.link_person(business, people[key], BusinessRole.Role.REPRESENTATIVE, since=since)
        businesses[single_id] = business
    return businesses


@transaction.atomic
def seed_properties(
    rows: list[dict],
    units: dict[str, AdministrativeUnit],
    people: dict[str, Person],
    businesses: dict[str, Business],
) -> None:
    for row in rows:
        values = {
            "property_type": row["property_type"],
            "area_sqm": Decimal(row["area_sqm"]),
            "owner": people[row["owner"]] if row["owner"] else None,
            "owner_business": businesses[row["owner_business"]] if row["owner_business"] else None,
            **_address(units[row["village"]]),
        }
        prop = Property.objects.filter(title_number=row["title_number"]).first()
        if prop is None:
            services.create_property(title_number=row["title_number"], **values)
        elif changes := _differs(prop, values):
            services.update_property(prop, reason="demo data", **changes)
