"""Demo accounts for `make run`: three officers pre-registered by personal code (they log in with the sandbox
CamDigiKey by choosing their identity on its QR page), and — for break-glass only — a local system
administrator. Development only: refused when ESB_ENV=production."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_ADMIN_USERNAME = "admin"
# Written by the sandbox CamDigiKey (its demo identities include these officers).
OFFICERS_CSV = Path(settings.BASE_DIR) / "sandbox" / "camdigikey" / "data" / "officers.csv"

# Used when the sandbox's CSV is not there (same people).
DEFAULT_OFFICERS = [
    {
        "personal_code": "OFF-MOC-001",
        "last_name_en": "Sok",
        "first_name_en": "Dara",
        "last_name_km": "សុខ",
        "first_name_km": "ដារ៉ា",
        "institution": "MOC",
        "role": "reception_officer",
    },
    {
        "personal_code": "OFF-MOT-001",
        "last_name_en": "Chan",
        "first_name_en": "Sophea",
        "last_name_km": "ចាន់",
        "first_name_km": "សុភា",
        "institution": "MOT",
        "role": "technical_officer",
    },
    {
        "personal_code": "OFF-SYS-001",
        "last_name_en": "Keo",
        "first_name_en": "Vibol",
        "last_name_km": "កែវ",
        "first_name_km": "វិបុល",
        "institution": "",
        "role": "system_administrator",
    },
]


def _demo_admin_password() -> str:
    return os.environ.get("ESB_DEMO_ADMIN_PASSWORD", "esb-demo-admin-2026")


def _pick(row: dict, *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value:
            return value.strip()
    return ""


def demo_officers() -> list[dict]:
    """The sandbox's officers CSV when present (its column names vary a little), else DEFAULT_OFFICERS."""
    if not OFFICERS_CSV.exists():
        return DEFAULT_OFFICERS
    with OFFICERS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    officers = []
    for row in rows:
        code = _pick(row, "personal_code")
        if not code:
            continue
        last_en = _pick(row, "last_name_en", "surname_en")
        first_en = _pick(row, "first_name_en", "given_name_en")
        last_km = _pick(row, "last_name_km", "last_name_kh", "surname_kh", "surname_km")
        first_km = _pick(row, "first_name_km", "first_name_kh", "given_name_kh", "given_name_km")
        officers.append(
            {
                "personal_code": code,
                "last_name_en": last_en,
                "first_name_en": first_en,
                "last_name_km": last_km,
                "first_name_km": first_km,
                "full_name_en": _pick(row, "full_name_en", "name_en"),
                "full_name_km": _pick(row, "full_name_km", "full_name_kh", "name_km", "name_kh"),
                "institution": _pick(row, "institution", "institution_code").upper(),
                "department": _pick(row, "department", "department_code"),
                "role": _pick(row, "role", "role_code"),
                "email": _pick(row, "email"),
            }
        )
    return officers or DEFAULT_OFFICERS


def seed(stdout, **options) -> None:
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("demo accounts are never created when ESB_ENV=production")
    _seed_admin(stdout)
    _seed_officers(stdout)


def _seed_admin(stdout) -> None:
    from accounts.models import User

    user, created = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME,
        defaults={
            "full_name_en": "Demo System Administrator",
            "full_name_km": "អ្នកគ្រប់គ្រងប្រព័ន្ធសាកល្បង",
            "email": "admin@esb.localhost",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        user.set_password(_demo_admin_password())
        user.save(update_fields=["password"])
    stdout.write(f"accounts: demo system administrator {'created' if created else 'already there'}")


def _seed_officers(stdout) -> None:
    from accounts import services
    from accounts.models import OfficerAssignment, Role
    from accounts.selectors import user_by_personal_code
    from registry.demo import seed_institutions
    from registry.models import Department, Institution

    # accounts seeds before registry (INSTALLED_APPS order): make sure the institutions exist (idempotent).
    seed_institutions()
    created = 0
    for row in demo_officers():
        officer = user_by_personal_code(row["personal_code"])
        if officer is None:
            officer = services.register_officer(
                row["personal_code"],
                full_name_en=row.get("full_name_en")
                or f"{row['last_name_en']} {row['first_name_en']}".strip(),
                full_name_km=row.get("full_name_km")
                or f"{row['last_name_km']} {row['first_name_km']}".strip(),
                email=row.get("email", ""),
                by=None,
            )
            created += 1
        role = Role.objects.filter(code=row["role"]).first()
        if role is None:
            stdout.write(f"accounts: unknown role {row['role']!r} for a demo officer, skipped")
            continue
        institution = (
            Institution.objects.filter(code=row["institution"]).first() if row["institution"] else None
        )
        if row["institution"] and institution is None:
            stdout.write(f"accounts: unknown institution {row['institution']!r} for a demo officer, skipped")
            continue
        department = None
        if institution is not None and row.get("department"):
            department = Department.objects.filter(institution=institution, code=row["department"]).first()
            if department is None:  # never widen the officer's scope to the whole institution by mistake
                stdout.write(
                    f"accounts: unknown department {row['department']!r} for a demo officer, skipped"
                )
                continue
        exists = OfficerAssignment.objects.filter(
            user=officer, role=role, institution=institution, department=department
        ).exists()
        if not exists:
            services.assign_role(officer, role, institution, department, by=None)
    stdout.write(f"accounts: {created} demo officers registered ({len(demo_officers())} in all)")


def logins() -> list[tuple[str, str]]:
    if settings.IS_PRODUCTION:
        return []
    rows = [
        (
            "applicant (CamDigiKey)",
            "/accounts/login/ → Log in with CamDigiKey → pick a person on the sandbox QR page "
            "(owners of demo businesses can then act for them)",
        )
    ]
    for row in demo_officers():
        name = row.get("full_name_en") or f"{row['last_name_en']} {row['first_name_en']}".strip()
        where = row["institution"] or "national"
        rows.append(
            (
                f"officer: {name} ({row['role']}, {where})",
                f"/backoffice/ → Log in with CamDigiKey → pick identity {row['personal_code']}",
            )
        )
    rows.append(
        (
            f"back-office break-glass: {DEMO_ADMIN_USERNAME}",
            f"password {_demo_admin_password()} at /backoffice/ (development only)",
        )
    )
    return rows
