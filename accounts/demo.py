"""Demo back-office login for `make run`. Officers and applicants log in with CamDigiKey (identity issue);
until then — and as the break-glass account afterwards — a local system administrator exists in
development only."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_ADMIN_USERNAME = "admin"


def _demo_admin_password() -> str:
    return os.environ.get("ESB_DEMO_ADMIN_PASSWORD", "esb-demo-admin-2026")


def seed(stdout, **options) -> None:
    from accounts.models import User

    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("demo accounts are never created when ESB_ENV=production")
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


def logins() -> list[tuple[str, str]]:
    if settings.IS_PRODUCTION:
        return []
    return [
        (
            f"back-office: {DEMO_ADMIN_USERNAME}",
            f"password {_demo_admin_password()} at /backoffice/ (development only)",
        )
    ]
