"""Demo state of the CamDigiKey simulator (idempotent): the portal's client app, an organization client for
the Part 5 API callers, and the demo identities.

Identities are the people of demo_data/people.yaml (each described by the businesses of businesses.yaml they
own or represent, so the login page can be searched by business) and the officers of demo_data/officers.yaml,
which the accounts demo also reads to pre-register them. The simulator stands for an external service: it
reads the files, never a portal model.
"""

from __future__ import annotations

import uuid

from django.conf import settings

from esb.demo_data import as_date, read
from sandbox.camdigikey.models import ClientApp, DemoIdentity

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
# "Owner of X", "Owner and representative of X" / "ម្ចាស់ X", "ម្ចាស់ និងតំណាង X"
_ROLE_WORDS = {"owner": ("Owner", "ម្ចាស់"), "representative": ("representative", "តំណាង")}


def _fit(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def camdigikey_id(personal_code: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, personal_code))


def registry_people() -> list[dict]:
    """The people of demo_data/people.yaml, each with its `key`."""
    people, _where = read("people.yaml", "people")
    return [{"key": key, **row} for key, row in people.items()]


def _business_roles() -> dict[str, list[tuple[str, dict]]]:
    businesses, _where = read("businesses.yaml", "businesses")
    roles: dict[str, list[tuple[str, dict]]] = {}
    for role, column in (("owner", "owners"), ("representative", "representatives")):
        for single_id, business in businesses.items():
            for key in business.get(column) or []:
                roles.setdefault(key, []).append((role, {"single_id": single_id, **business}))
    return roles


def _descriptions(links: list[tuple[str, dict]]) -> dict[str, str]:
    """Which businesses a person owns or represents, one clause per business, in English and Khmer."""
    by_business: dict[str, tuple[dict, list[str]]] = {}
    for role, business in links:
        by_business.setdefault(business["single_id"], (business, []))[1].append(role)
    english, khmer = [], []
    for business, roles in by_business.values():
        words = [_ROLE_WORDS[role] for role in roles]
        who_en = " and ".join(en for en, _km in words)
        english.append(f"{who_en[0].upper()}{who_en[1:]} of {business['name_en']} ({business['single_id']})")
        khmer.append(f"{' និង'.join(km for _en, km in words)} {business['name_km'] or business['name_en']}")
    return {"description_en": _fit("; ".join(english)), "description_km": _fit("; ".join(khmer))}


def people_identities() -> list[dict]:
    roles = _business_roles()
    identities = []
    for row in registry_people():
        links = roles.get(row["key"], [])
        identities.append(
            {
                "personal_code": row["identity_number"],
                "first_name_km": row["first_name_km"],
                "last_name_km": row["last_name_km"],
                "first_name_en": row["first_name_en"],
                "last_name_en": row["last_name_en"],
                "gender": "F" if row["gender"].upper().startswith("F") else "M",
                "dob": as_date(row["date_of_birth"]) if row.get("date_of_birth") else None,
                "mobile_phone": row["phone"],
                "email": row["email"],
                "nationality": row["nationality"],
                "kind": DemoIdentity.Kind.PERSON,
                **_descriptions(links),
            }
        )
    return identities


def officer_rows() -> list[dict]:
    """demo_data/officers.yaml: personal_code, names km/en, gender (M/F), date_of_birth, mobile_phone, email,
    nationality, institution (code), department (code), role (accounts role code), descriptions."""
    officers, _where = read("officers.yaml", "officers")
    return officers


def officer_identities() -> list[dict]:
    return [
        {
            "personal_code": row["personal_code"],
            "first_name_km": row["first_name_km"],
            "last_name_km": row["last_name_km"],
            "first_name_en": row["first_name_en"],
            "last_name_en": row["last_name_en"],
            "gender": row["gender"],
            "dob": as_date(row["date_of_birth"]) if row.get("date_of_birth") else None,
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
