"""Demo API consumers (demo_data/api_consumers.yaml), registered through `services.register_consumer`:
idempotent, so seeding again brings a consumer back to the file's values and records nothing when nothing
changed."""

from __future__ import annotations

from camdx_api import services
from camdx_api.service_codes import ALL_SERVICE_CODES
from esb.demo_data import Key, check_value, read
from registry.models import Institution

_TEXT = Key(str)
CONSUMER = {
    "camdigikey_domain": _TEXT,
    "name_en": _TEXT,
    "name_km": _TEXT,
    "institution": Key(str, required=False),
    "xroad_client": Key(str, required=False),
    "allowed_service_codes": Key(list, items=Key(str, choices=ALL_SERVICE_CODES)),
    "rate_limit_per_minute": Key(int),
}


def consumers() -> list[dict]:
    data, where = read("api_consumers.yaml", "api_consumers")
    check_value(data, Key(list, items=CONSUMER), where)
    return data


def seed(out=None, **options) -> None:
    rows = consumers()
    for row in rows:
        code = row.pop("institution", None)
        institution = Institution.objects.filter(code=code).first() if code else None
        services.register_consumer(**row, institution=institution)
    if out is not None:
        out.write(f"camdx_api: {len(rows)} API consumer(s) registered")
