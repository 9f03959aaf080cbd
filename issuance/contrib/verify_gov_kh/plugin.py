"""The verify.gov.kh provider plugin (`issuance.verification.verification_providers["verify_gov_kh"]`).

Called only from issuance's services and tasks (outbound calls run in Celery tasks, never inside a request or
a transaction: DESIGN.md §5)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from issuance.verification import (
    Record,
    RecordRequest,
    RecordState,
    VerificationProvider,
    verification_providers,
)

KEY = "verify_gov_kh"


@verification_providers.register(KEY)
class VerifyGovKh(VerificationProvider):
    verbose_name = _("verify.gov.kh")

    def check_config(self) -> list[str]:
        """What stops registration (the settings refuse the same at start-up; this also covers tests and
        settings changed at run time). Names the setting, never its value."""
        raw = getattr(settings, "ESB_VERIFICATION", None) or {}
        if raw.get("PROVIDER", KEY) != KEY:
            return []  # another provider is active: this one is never called
        problems = []
        for name, setting in (("BASE_URL", "VERIFY_BASE_URL"), ("PUBLIC_BASE_URL", "VERIFY_PUBLIC_BASE_URL")):
            parts = urlsplit(str(raw.get(name) or ""))
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                problems.append(f"ESB_VERIFICATION['{name}'] is not an http(s) URL ({setting})")
        if not raw.get("API_KEY"):
            problems.append("ESB_VERIFICATION['API_KEY'] is not set: licences cannot be registered")
        return problems

    def register(self, request: RecordRequest) -> Record:
        from issuance.contrib.verify_gov_kh.client import VerifyClient

        return VerifyClient().register(request)

    def publish(self, record_id: str, document: bytes) -> RecordState:
        from issuance.contrib.verify_gov_kh.client import VerifyClient

        return VerifyClient().publish(record_id, document)

    def set_status(self, record_id: str, status: str, *, reason: str = "") -> RecordState:
        from issuance.contrib.verify_gov_kh.client import VerifyClient

        return VerifyClient().set_status(record_id, status, reason)

    def status(self, record_id: str) -> RecordState:
        from issuance.contrib.verify_gov_kh.client import VerifyClient

        return VerifyClient().status(record_id)
