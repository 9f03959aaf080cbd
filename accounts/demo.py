"""Demo accounts for `make run`: the officers of demo_data/officers.yaml, pre-registered by personal code with
their role (they log in with the sandbox CamDigiKey by choosing their identity on its login page), and — for
break-glass only — a local system administrator. Development only: refused when ESB_ENV=production."""

from __future__ import annotations

import datetime
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from esb.demo_data import DemoDataError, Key, check_value, date_text, read

DEMO_ADMIN_USERNAME = "admin"

_TEXT = Key(str)
OFFICER = {
    "personal_code": _TEXT,
    "last_name_km": _TEXT,
    "first_name_km": _TEXT,
    "last_name_en": _TEXT,
    "first_name_en": _TEXT,
    "gender": Key(str, choices=["M", "F"]),
    "date_of_birth": Key((str, datetime.date), check=date_text),
    "mobile_phone": _TEXT,
    "email": _TEXT,
    "nationality": _TEXT,
    "institution": Key((str, type(None))),
    "department": Key((str, type(None)), required=False),
    "role": _TEXT,
    "description_en": _TEXT,
    "description_km": _TEXT,
}


def _demo_admin_password() -> str:
    return os.environ.get("ESB_DEMO_ADMIN_PASSWORD", "esb-demo-admin-2026")


def demo_officers() -> list[dict]:
    """The officers of demo_data/officers.yaml (the CamDigiKey sandbox gives the same people an identity)."""
    data, where = read("officers.yaml", "officers")
    check_value(data, Key(list, items=OFFICER), where)
    for row in data:
        row["institution"] = row["institution"] or ""
        row["department"] = row.get("department") or ""
    return data


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
    from registry.models import Department, Institution

    created = 0
    officers = demo_officers()
    for index, row in enumerate(officers):
        officer = user_by_personal_code(row["personal_code"])
        if officer is None:
            officer = services.register_officer(
                row["personal_code"],
                full_name_en=f"{row['last_name_en']} {row['first_name_en']}".strip(),
                full_name_km=f"{row['last_name_km']} {row['first_name_km']}".strip(),
                email=row.get("email", ""),
                by=None,
            )
            created += 1
        where = f"officers[{index}]"
        role = Role.objects.filter(code=row["role"]).first()
        if role is None:
            raise DemoDataError("officers.yaml", f"{where}.role", f"{row['role']!r} is not a role")
        institution = None
        if row["institution"]:
            institution = Institution.objects.filter(code=row["institution"]).first()
            if institution is None:
                raise DemoDataError(
                    "officers.yaml",
                    f"{where}.institution",
                    f"{row['institution']!r} is not an institution (institutions.yaml is seeded first)",
                )
        department = None
        if row["department"]:
            # never widen the officer's scope to the whole institution by mistake
            department = Department.objects.filter(institution=institution, code=row["department"]).first()
            if department is None:
                raise DemoDataError(
                    "officers.yaml",
                    f"{where}.department",
                    f"{row['department']!r} is not a department of {row['institution'] or 'no institution'}",
                )
        exists = OfficerAssignment.objects.filter(
            user=officer, role=role, institution=institution, department=department
        ).exists()
        if not exists:
            services.assign_role(officer, role, institution, department, by=None)
    stdout.write(f"accounts: {created} demo officers registered ({len(officers)} in all)")


def logins() -> list[tuple[str, str]]:
    """Each demo officer with their role, institution and department, and the break-glass account."""
    if settings.IS_PRODUCTION:
        return []
    from accounts.models import Role
    from registry.demo import institutions_data

    roles = dict(Role.objects.values_list("code", "name_en"))
    institutions = {i["code"]: i for i in institutions_data()[0]}
    rows = []
    for row in demo_officers():
        name = f"{row['last_name_en']} {row['first_name_en']}".strip()
        where = "national (every institution)"
        if row["institution"]:
            institution = institutions.get(
                row["institution"], {"name_en": row["institution"], "departments": []}
            )
            where = institution["name_en"]
            departments = {d["code"]: d["name_en"] for d in institution["departments"]}
            if row["department"]:
                where += f", {departments.get(row['department'], row['department'])}"
        rows.append(
            (
                f"{name} ({row['personal_code']})",
                f"officer: {roles.get(row['role'], row['role'])}, {where} — /backoffice/",
            )
        )
    rows.append(
        (
            f"break-glass: {DEMO_ADMIN_USERNAME}",
            f"password {_demo_admin_password()} at /backoffice/ (development only)",
        )
    )
    return rows
