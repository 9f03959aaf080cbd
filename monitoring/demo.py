"""Demo member systems (demo_data/monitoring.yaml), registered through `services.register_system`:
idempotent, so seeding again brings each system back to the file's values and adds no destination twice."""

from __future__ import annotations

from django.conf import settings

from esb.demo_data import Key, check_mapping, read
from monitoring import services
from monitoring.models import Channel, CheckKind, Language, SystemKind
from registry.models import Institution

_TEXT = Key(str)
_INT = Key(int)
DESTINATION = {
    "channel": Key(str, choices=Channel.values),
    "address": _TEXT,
    "language": Key(str, choices=Language.values),
}
SYSTEM = {
    "code": _TEXT,
    "name_en": _TEXT,
    "name_km": _TEXT,
    "kind": Key(str, choices=SystemKind.values),
    "probe_url": _TEXT,
    "check_kind": Key(str, choices=CheckKind.values),
    "owner_institution": Key(str, required=False),
    "owner_contact": Key(str, required=False),
}
DEFAULTS = {
    "interval_seconds": _INT,
    "timeout_seconds": _INT,
    "slow_ms": _INT,
    "failures_before_incident": _INT,
}
FILE = {
    "defaults": Key(dict),
    "destinations": Key(list, items=DESTINATION),
    "systems": Key(list, items=SYSTEM),
}


def demo_systems() -> dict:
    data, where = read("monitoring.yaml", "monitoring")
    check_mapping(data, FILE, where)
    check_mapping(data["defaults"], DEFAULTS, where / "defaults")
    return data


def seed(out=None, **options) -> None:
    data = demo_systems()
    base = settings.ESB_PUBLIC_BASE_URL.rstrip("/")
    for row in data["systems"]:
        row = {**data["defaults"], **row, "probe_url": row["probe_url"].replace("{base}", base)}
        code = row.pop("owner_institution", None)
        row["owner_institution"] = Institution.objects.filter(code=code).first() if code else None
        services.register_system(**row, destinations=data["destinations"])
    if out is not None:
        out.write(f"monitoring: {len(data['systems'])} member system(s) watched")
