"""Demo state of the CamDigiKey simulator (idempotent): the portal's client app, an organization client for
the Part 5 API callers, and the demo identities.

Identities match the person registry: they are read from the registry's demo CSV *file* (the simulator
stands for an external service and imports no portal model), plus the officers of `data/officers.csv`,
which the accounts demo also reads to pre-register them.
"""

from __future__ import annotations

import csv
import datetime
import uuid
from pathlib import Path

from django.conf import settings

from sandbox.camdigikey.models import ClientApp, DemoIdentity

DATA = Path(__file__).resolve().parent / "data"
OFFICERS_CSV = DATA / "officers.csv"
PEOPLE_CSV = Path(settings.BASE_DIR) / "registry" / "demo_data" / "people.csv"
_ID_NAMESPACE = uuid.UUID("6f1c3b1e-2b7a-4d55-9a53-0c4d7a3e5b10")  # camdigikey_id = uuid5(namespace, code)

# Organization client of the Part 5 API callers (another ministry's system). Sandbox-only credentials.
MOC_API_CLIENT = {
    "client_id": "moc-api-dev",
    "app_name": "Ministry of Commerce — API client (sandbox)",
    "domain": "api.moc.gov.kh",
    "hmac_key": "ZGV2LW9ubHktbW9jLWFwaS1jbGllbnQtaG1hYy1rZXktc2FuZGJveC0wMDAwMDAwMA==",
    "aes_secret_key": "ZGV2LW9ubHktbW9jLWFwaS1hZXMta2V5LTMyYnl0ZSE=",
    "aes_iv": "ZGV2LW1vYy1hcGktaXYhIQ==",
}


def camdigikey_id(personal_code: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, personal_code))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _email(first: str, last: str) -> str:
    # the same address the registry demo gives the person (registry/demo.py)
    return f"{first.lower().replace(' ', '')}.{last.lower()}@example.com"


def people_identities() -> list[dict]:
    identities = []
    for row in _rows(PEOPLE_CSV):
        identities.append(
            {
                "personal_code": row["identity_number"],
                "first_name_km": row["first_name_km"],
                "last_name_km": row["last_name_km"],
                "first_name_en": row["first_name_en"],
                "last_name_en": row["last_name_en"],
                "gender": "F" if row["gender"].upper().startswith("F") else "M",
                "dob": datetime.date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None,
                "mobile_phone": row["phone"],
                "email": _email(row["first_name_en"], row["last_name_en"]),
                "nationality": row["nationality"],
                "kind": DemoIdentity.Kind.PERSON,
                "description_en": "",
                "description_km": "",
            }
        )
    return identities


def officer_rows() -> list[dict[str, str]]:
    """data/officers.csv: personal_code, names km/en, gender (M/F), date_of_birth, mobile_phone, email,
    nationality, institution (code), department (code), role (accounts role code), descriptions."""
    return _rows(OFFICERS_CSV)


def officer_identities() -> list[dict]:
    return [
        {
            "personal_code": row["personal_code"],
            "first_name_km": row["first_name_km"],
            "last_name_km": row["last_name_km"],
            "first_name_en": row["first_name_en"],
            "last_name_en": row["last_name_en"],
            "gender": row["gender"],
            "dob": datetime.date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None,
            "mobile_phone": row["mobile_phone"],
            "email": row["email"],
            "nationality": row["nationality"],
            "kind": DemoIdentity.Kind.OFFICER,
            "description_en": row["description_en"],
            "description_km": row["description_km"],
        }
        for row in officer_rows()
    ]


def portal_client_values() -> dict:
    """The portal's own registration: the credentials it is configured with (settings.CAMDIGIKEY)."""
    config = settings.CAMDIGIKEY
    base = settings.ESB_PUBLIC_BASE_URL.rstrip("/")
    return {
        "client_id": config["CLIENT_ID"],
        "app_name": "ESB Portal (development)",
        "domain": config["DOMAIN"],
        "hmac_key": config["HMAC_KEY"],
        "aes_secret_key": config["AES_SECRET_KEY"],
        "aes_iv": config["AES_IV"],
        "success_url": f"{base}/accounts/camdigikey/callback/",
        "error_url": f"{base}/accounts/camdigikey/error/",
    }


def seed_clients() -> list[ClientApp]:
    clients = []
    for values in (portal_client_values(), {**MOC_API_CLIENT, "success_url": "", "error_url": ""}):
        values = dict(values)
        client, _created = ClientApp.objects.update_or_create(
            client_id=values.pop("client_id"), defaults={**values, "is_active": True}
        )
        clients.append(client)
    return clients


def seed_identities() -> int:
    count = 0
    for values in (*officer_identities(), *people_identities()):
        values = dict(values)
        code = values.pop("personal_code")
        DemoIdentity.objects.update_or_create(
            personal_code=code, defaults={**values, "camdigikey_id": camdigikey_id(code)}
        )
        count += 1
    return count


def seed(out=None, **options) -> None:
    clients = seed_clients()
    count = seed_identities()
    if out is not None:
        out.write(f"sandbox: CamDigiKey simulator, {len(clients)} client apps, {count} demo identities")


def logins() -> list[tuple[str, str]]:
    rows = [
        (
            f"{row['first_name_en']} {row['last_name_en']} ({row['personal_code']})",
            f"CamDigiKey sandbox: {row['description_en'].lower()}",
        )
        for row in officer_rows()
    ]
    rows.append(("any person of the demo registry", "CamDigiKey sandbox: pick them on the login page"))
    return rows
