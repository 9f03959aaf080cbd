"""Demo data of the registry, read from `demo_data/`: institutions with departments (institutions.yaml),
people (people.yaml), businesses (businesses.yaml) and properties (properties.yaml).

Idempotent: every row has a natural key (institution code, identity document, Single ID, title number) and is
created, or brought back to the values of the file, through `registry.services` (so every change is
audited); a second run finds nothing to change and writes nothing. Steps of `seed_demo_data`
(demo_data/seed.yaml): `seed_reference_data`, `seed_institutions`, then `seed_registry`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction

from esb.demo_data import DemoDataError, Key, Where, as_date, check_keyed, check_mapping, date_text, read
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

_TEXT = Key(str)
_OPTIONAL_TEXT = Key(str, required=False)
_DATE = Key((str, datetime.date), check=date_text)
_CODE = Key(str, check=lambda v: "" if v.strip() == v and v else "must be a code without spaces")

DEPARTMENT = {"code": _CODE, "name_km": _TEXT, "name_en": _TEXT}
INSTITUTION = {
    "code": _CODE,
    "name_km": _TEXT,
    "name_en": _TEXT,
    "abbreviation_en": _OPTIONAL_TEXT,
    "camdx_member_code": _OPTIONAL_TEXT,
    "website": _OPTIONAL_TEXT,
    "email": _OPTIONAL_TEXT,
    "phone": _OPTIONAL_TEXT,
    "departments": Key(list, items=DEPARTMENT),
}
PERSON = {
    "last_name_km": Key(str),
    "first_name_km": Key(str),
    "last_name_en": _TEXT,
    "first_name_en": _TEXT,
    "gender": Key(str, choices=Person.Gender.values),
    "nationality": Key(str, check=lambda v: "" if len(v) == 2 and v.isupper() else "must be a 2-letter code"),
    "identity_document_type": Key(str, choices=Person.DocumentType.values),
    "identity_number": _CODE,
    "phone": _TEXT,
    "email": _TEXT,
    "date_of_birth": _DATE,
    "village": _CODE,
    "house_number": _OPTIONAL_TEXT,
}
_COUNT = Key(int, check=lambda v: "" if v >= 0 else "must not be negative")
BUSINESS = {
    "name_km": _TEXT,
    "name_en": _TEXT,
    "legal_form": Key(str, choices=Business.LegalForm.values),
    "activities": Key(list, items=_CODE, check=lambda v: "" if v else "needs at least the primary activity"),
    "email": _TEXT,
    "phone": _TEXT,
    "village": _CODE,
    "house_number": _OPTIONAL_TEXT,
    "street_name": _OPTIONAL_TEXT,
    "registration_date": _DATE,
    "registered_via_obr": Key(bool),
    "total_employees": _COUNT,
    "female_employees": _COUNT,
    "foreign_employees": _COUNT,
    "foreign_female_employees": _COUNT,
    "owners": Key(list, items=_CODE),
    "representatives": Key(list, required=False, items=_CODE),
}
PROPERTY = {
    "property_type": Key(str, choices=Property.PropertyType.values),
    "area_sqm": Key((str, int, float)),
    "village": _CODE,
    "owner": Key(str, required=False),
    "owner_business": Key(str, required=False),
}


def institutions_data() -> tuple[list[dict], Where]:
    data, where = read("institutions.yaml", "institutions")
    if not isinstance(data, list):
        raise where.error("must be a list of institutions")
    for index, entry in enumerate(data):
        check_mapping(entry, INSTITUTION, where / index)
    return data, where


def people_data() -> tuple[dict[str, dict], Where]:
    data, where = read("people.yaml", "people")
    return check_keyed(data, PERSON, where, _CODE), where


def businesses_data(people: dict[str, dict] | None = None) -> tuple[dict[str, dict], Where]:
    """Businesses by Single ID; every owner and representative must be a key of people.yaml."""
    data, where = read("businesses.yaml", "businesses")
    data = check_keyed(data, BUSINESS, where, Key(str, check=_single_id_problem))
    people = people if people is not None else people_data()[0]
    for single_id, entry in data.items():
        for role in ("owners", "representatives"):
            for index, key in enumerate(entry.get(role, [])):
                if key not in people:
                    raise (where / single_id / role / index).error(f"{key!r} is not a person of people.yaml")
    return data, where


def _single_id_problem(value: str) -> str:
    return "" if len(value) == 10 and value.isdigit() else "a Single ID has 10 digits"


def properties_data(people: dict, businesses: dict) -> tuple[dict[str, dict], Where]:
    data, where = read("properties.yaml", "properties")
    data = check_keyed(data, PROPERTY, where, _CODE)
    for title, entry in data.items():
        if bool(entry.get("owner")) == bool(entry.get("owner_business")):
            raise (where / title).error("needs exactly one of `owner` (a person) or `owner_business`")
        if entry.get("owner") and entry["owner"] not in people:
            raise (where / title / "owner").error(f"{entry['owner']!r} is not a person of people.yaml")
        if entry.get("owner_business") and entry["owner_business"] not in businesses:
            raise (where / title / "owner_business").error(
                f"{entry['owner_business']!r} is not in businesses.yaml"
            )
        try:
            entry["area_sqm"] = Decimal(str(entry["area_sqm"]))
        except InvalidOperation:
            raise (where / title / "area_sqm").error("must be a number of square metres") from None
    return data, where


# --- seeding -------------------------------------------------------------------------------------------


def _differs(instance, values: dict) -> dict:
    return {name: value for name, value in values.items() if getattr(instance, name) != value}


def seed_reference_data(out=None, **options) -> None:
    """Gazetteer, ISIC and countries, when missing (`load_reference_data` refreshes them on demand)."""
    if AdministrativeUnit.objects.exists() and IsicActivity.objects.exists() and Country.objects.exists():
        return
    if out is not None:
        out.write("registry: loading reference data first")
    load_reference_data()


@transaction.atomic
def seed_institutions(out=None, **options) -> None:
    data, _where = institutions_data()
    for entry in data:
        values = {k: v for k, v in entry.items() if k not in {"code", "departments"}}
        institution = Institution.objects.filter(code=entry["code"]).first()
        if institution is None:
            institution = services.create_institution(code=entry["code"], **values)
        elif changes := _differs(institution, values):
            institution = services.update_institution(institution, reason="demo data", **changes)
        for department in entry["departments"]:
            values = {"name_km": department["name_km"], "name_en": department["name_en"]}
            existing = Department.objects.filter(institution=institution, code=department["code"]).first()
            if existing is None:
                services.create_department(institution, code=department["code"], **values)
            elif changes := _differs(existing, values):
                services.update_department(existing, reason="demo data", **changes)
    if out is not None:
        out.write(
            f"registry: {Institution.objects.count()} institutions, {Department.objects.count()} departments"
        )


@transaction.atomic
def seed_registry(out=None, **options) -> None:
    """People, businesses and properties (the institutions are `seed_institutions`)."""
    people_rows, people_where = people_data()
    business_rows, business_where = businesses_data(people_rows)
    property_rows, property_where = properties_data(people_rows, business_rows)
    units = _units(
        [(people_where / key / "village", row["village"]) for key, row in people_rows.items()]
        + [(business_where / key / "village", row["village"]) for key, row in business_rows.items()]
        + [(property_where / key / "village", row["village"]) for key, row in property_rows.items()]
    )
    people = seed_people(people_rows, units, people_where)
    businesses = seed_businesses(business_rows, units, people)
    seed_properties(property_rows, units, people, businesses)
    if out is not None:
        out.write(
            f"registry: {len(people)} demo people, {len(businesses)} demo businesses, "
            f"{len(property_rows)} demo properties"
        )


@transaction.atomic
def seed(out=None, **options) -> None:
    """Everything of the registry, in order (for tests and for callers that need only the registry)."""
    seed_reference_data(out)
    seed_institutions(out)
    seed_registry(out)


def _units(villages: list[tuple[Where, str]]) -> dict[str, AdministrativeUnit]:
    codes = {code for _where, code in villages}
    units = {
        u.code: u
        for u in AdministrativeUnit.objects.select_related("parent__parent__parent").filter(
            code__in=codes, level=AdministrativeUnit.Level.VILLAGE
        )
    }
    for where, code in villages:
        if code not in units:
            raise where.error(f"{code!r} is not a village of the gazetteer")
    return units


def _address(village: AdministrativeUnit) -> dict:
    commune = village.parent
    district = commune.parent
    return {"village": village, "commune": commune, "district": district, "province": district.parent}


def seed_people(
    rows: dict[str, dict], units: dict[str, AdministrativeUnit], where: Where
) -> dict[str, Person]:
    countries = {
        c.alpha2: c for c in Country.objects.filter(alpha2__in={r["nationality"] for r in rows.values()})
    }
    people = {}
    for key, row in rows.items():
        if row["nationality"] not in countries:
            raise (where / key / "nationality").error(f"{row['nationality']!r} is not a known country")
        values = {
            "last_name_km": row["last_name_km"],
            "first_name_km": row["first_name_km"],
            "last_name_en": row["last_name_en"],
            "first_name_en": row["first_name_en"],
            "gender": row["gender"],
            "nationality": countries[row["nationality"]],
            "phone": row["phone"],
            "date_of_birth": as_date(row["date_of_birth"]),
            "email": row["email"],
            "house_number": row.get("house_number", ""),
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
        people[key] = person
    return people


def seed_businesses(
    rows: dict[str, dict], units: dict[str, AdministrativeUnit], people: dict[str, Person]
) -> dict[str, Business]:
    businesses = {}
    for single_id, row in rows.items():
        activities = row["activities"]
        via_obr = row["registered_via_obr"]
        values = {
            "name_km": row["name_km"],
            "name_en": row["name_en"],
            "legal_form": row["legal_form"],
            "registration_date": as_date(row["registration_date"]),
            "email": row["email"],
            "phone": row["phone"],
            "total_employees": row["total_employees"],
            "female_employees": row["female_employees"],
            "foreign_employees": row["foreign_employees"],
            "foreign_female_employees": row["foreign_female_employees"],
            "registered_via_obr": via_obr,
            "use_obr_business_address": via_obr,
            "house_number": row.get("house_number", ""),
            "street_name": row.get("street_name", ""),
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
        for key in row["owners"]:
            services.link_person(business, people[key], BusinessRole.Role.OWNER, since=since)
        for key in row.get("representatives", []):
            services.link_person(business, people[key], BusinessRole.Role.REPRESENTATIVE, since=since)
        businesses[single_id] = business
    return businesses


def seed_properties(
    rows: dict[str, dict],
    units: dict[str, AdministrativeUnit],
    people: dict[str, Person],
    businesses: dict[str, Business],
) -> None:
    for title_number, row in rows.items():
        values = {
            "property_type": row["property_type"],
            "area_sqm": row["area_sqm"],
            "owner": people[row["owner"]] if row.get("owner") else None,
            "owner_business": businesses[row["owner_business"]] if row.get("owner_business") else None,
            **_address(units[row["village"]]),
        }
        prop = Property.objects.filter(title_number=title_number).first()
        if prop is None:
            services.create_property(title_number=title_number, **values)
        elif changes := _differs(prop, values):
            services.update_property(prop, reason="demo data", **changes)


# --- who is who, for the demo logins ---------------------------------------------------------------------


def business_links() -> dict[str, list[tuple[str, str, dict]]]:
    """Person key → [(role, Single ID, business entry)], from the files (owner first, then representative)."""
    people, _where = people_data()
    businesses, _where = businesses_data(people)
    links: dict[str, list[tuple[str, str, dict]]] = {key: [] for key in people}
    for role, column in (("owner", "owners"), ("representative", "representatives")):
        for single_id, entry in businesses.items():
            for key in entry.get(column, []):
                links[key].append((role, single_id, entry))
    return links


def logins() -> list[tuple[str, str]]:
    """One line per demo person: who they are, their identity number (what to pick on the sandbox login
    page), and which businesses they own or represent (whom they can act for)."""
    people, _where = people_data()
    links = business_links()
    rows = []
    for key, person in people.items():
        name = f"{person['last_name_en']} {person['first_name_en']}"
        by_business: dict[str, list[str]] = {}
        for role, single_id, entry in links[key]:
            by_business.setdefault(f"{entry['name_en']} ({single_id})", []).append(role)
        roles = "; ".join(f"{' and '.join(roles)} of {business}" for business, roles in by_business.items())
        rows.append(
            (f"{name} ({person['identity_number']})", roles or "no business: applies as an individual")
        )
    return rows


__all__ = ["DemoDataError", "seed", "seed_institutions", "seed_reference_data", "seed_registry"]
