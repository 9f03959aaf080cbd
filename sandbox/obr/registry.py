"""The simulated registry's data: the companies of demo_data/businesses.yaml with the people of
demo_data/people.yaml, in the shape the OBR API answers with. The simulator stands for an external system:
it reads the files, never a portal model.

A company (`GET …/api/v1/businesses/<single_id>`):

    {"single_id": "1000000101", "name_kh": "…", "name_en": "…", "legal_form": "PRIVATE_LIMITED",
     "status": "ACTIVE", "registration_date": "2016-04-18", "email": "…", "phone": "…",
     "employees": {"total": 24, "female": 11, "foreign": 1, "foreign_female": 0},
     "activities": [{"isic_code": "7912", "primary": true}, …],
     "address": ADDRESS, "owners": [PERSON, …], "representatives": [PERSON, …]}

    ADDRESS = {"province": "17", "district": "1710", "commune": "171001", "village": "17100101",
               "house_number": "303", "street_name": "111", "group_name": ""}     (gazetteer codes)
    PERSON  = {"first_name_kh", "last_name_kh", "first_name_en", "last_name_en",
               "gender": "MALE" | "FEMALE", "nationality": "KH" (ISO 3166-1 alpha-2),
               "date_of_birth": "YYYY-MM-DD", "identity_document_type": "NATIONAL_ID" | "PASSPORT" | …,
               "identity_number", "phone", "email", "address": ADDRESS}

Unknown fields are never added silently: a consumer maps exactly these.
"""

from __future__ import annotations

from typing import Any

from esb.demo_data import as_date, read


def _address(row: dict) -> dict[str, str] | None:
    """Gazetteer codes from the village code (a unit's code starts with its parent's: 2, 4, 6, 8 digits)."""
    village = str(row.get("village") or "")
    if len(village) != 8:
        return None
    return {
        "province": village[:2],
        "district": village[:4],
        "commune": village[:6],
        "village": village,
        "house_number": str(row.get("house_number") or ""),
        "street_name": str(row.get("street_name") or ""),
        "group_name": str(row.get("group_name") or ""),
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _person(row: dict) -> dict[str, Any]:
    return {
        "first_name_kh": _text(row.get("first_name_km")),
        "last_name_kh": _text(row.get("last_name_km")),
        "first_name_en": _text(row.get("first_name_en")),
        "last_name_en": _text(row.get("last_name_en")),
        "gender": _text(row.get("gender")),
        "nationality": _text(row.get("nationality")),
        "date_of_birth": as_date(row["date_of_birth"]).isoformat() if row.get("date_of_birth") else None,
        "identity_document_type": _text(row.get("identity_document_type")),
        "identity_number": _text(row.get("identity_number")),
        "phone": _text(row.get("phone")),
        "email": _text(row.get("email")),
        "address": _address(row),
    }


def company(single_id: str) -> dict[str, Any] | None:
    """The registry's record of one company, or None when the Single ID is unknown."""
    businesses, _where = read("businesses.yaml", "businesses")
    row = businesses.get(single_id)
    if row is None:
        return None
    people, _where = read("people.yaml", "people")
    activities = [str(code) for code in row.get("activities") or []]
    return {
        "single_id": single_id,
        "name_kh": _text(row.get("name_km")),
        "name_en": _text(row.get("name_en")),
        "legal_form": _text(row.get("legal_form")),
        "status": _text(row.get("status") or "ACTIVE"),
        "registration_date": as_date(row["registration_date"]).isoformat()
        if row.get("registration_date")
        else None,
        "email": _text(row.get("email")),
        "phone": _text(row.get("phone")),
        "employees": {
            "total": int(row.get("total_employees") or 0),
            "female": int(row.get("female_employees") or 0),
            "foreign": int(row.get("foreign_employees") or 0),
            "foreign_female": int(row.get("foreign_female_employees") or 0),
        },
        "activities": [{"isic_code": code, "primary": index == 0} for index, code in enumerate(activities)],
        "address": _address(row),
        "owners": [_person(people[key]) for key in row.get("owners") or [] if key in people],
        "representatives": [
            _person(people[key]) for key in row.get("representatives") or [] if key in people
        ],
    }
