"""Demo registry of the CamDX security-server simulator (idempotent), from demo_data/camdx.yaml: the portal
as provider of the eight Part 5 services, the Ministry of Commerce as their consumer and as the business
registry's provider, and a company member with no access rights (to see Server.ServerProxy.AccessDenied).

A step of `seed_demo_data` (demo_data/seed.yaml), after the CamDigiKey simulator's.
"""

from __future__ import annotations

from django.conf import settings

from esb.demo_data import Key, Where, check_mapping, read
from sandbox.camdx.models import SimXRoadAccessRight, SimXRoadMember, SimXRoadService, SimXRoadSubsystem

FILE = "camdx.yaml"


def _parts(count: int):
    def problem(value: str) -> str:
        parts = value.split("/")
        if len(parts) != count or not all(parts):
            return f"must be {count} identifiers separated by /"
        return ""

    return problem


_ENDPOINT = {"method": Key(str), "path": Key(str)}
MEMBER = {"id": Key(str, check=_parts(3)), "name": Key(str), "subsystems": Key(list, items=Key(str))}
SERVICE = {
    "provider": Key(str, check=_parts(4)),
    "code": Key(str),
    "url": Key(str),
    "type": Key(str, choices=SimXRoadService.Type.values),
    "openapi": Key(str, required=False),
    "endpoints": Key(list, items=_ENDPOINT),
    "enabled": Key(bool, required=False),
    "disabled_notice": Key(str, required=False),
}
ACCESS = {
    "client": Key(str, check=_parts(4)),
    "service": Key(str, check=_parts(5)),
    "method": Key(str, required=False),
    "path": Key(str, required=False),
}
REGISTRY = {
    "members": Key(list, items=MEMBER),
    "services": Key(list, items=SERVICE),
    "access": Key(list, items=ACCESS),
}


def registry_data() -> tuple[dict, Where]:
    data, where = read(FILE, "camdx")
    return check_mapping(data, REGISTRY, where), where


def _subsystem(identifier: str, subsystems: dict[str, SimXRoadSubsystem], where: Where) -> SimXRoadSubsystem:
    if identifier not in subsystems:
        raise where.error(f"{identifier} is not a subsystem of `members`")
    return subsystems[identifier]


def seed_registry() -> dict[str, int]:
    data, where = registry_data()
    base = settings.ESB_PUBLIC_BASE_URL.rstrip("/")
    subsystems: dict[str, SimXRoadSubsystem] = {}
    for entry in data["members"]:
        instance, member_class, member_code = entry["id"].split("/")
        member, _created = SimXRoadMember.objects.update_or_create(
            instance=instance,
            member_class=member_class,
            member_code=member_code,
            defaults={"name": entry["name"]},
        )
        for code in entry["subsystems"]:
            subsystem, _created = SimXRoadSubsystem.objects.get_or_create(member=member, subsystem_code=code)
            subsystems[f"{member}/{code}"] = subsystem
    services: dict[str, SimXRoadService] = {}
    for index, entry in enumerate(data["services"]):
        provider = _subsystem(entry["provider"], subsystems, where / "services" / index / "provider")
        service, _created = SimXRoadService.objects.update_or_create(
            provider=provider,
            service_code=entry["code"],
            defaults={
                "url": entry["url"].replace("{base}", base),
                "service_type": entry["type"],
                "openapi_path": entry.get("openapi", ""),
                "endpoints": entry["endpoints"],
                "enabled": entry.get("enabled", True),
                "disabled_notice": entry.get("disabled_notice", ""),
            },
        )
        services[f"{provider}/{entry['code']}"] = service
    for index, entry in enumerate(data["access"]):
        client = _subsystem(entry["client"], subsystems, where / "access" / index / "client")
        if entry["service"] not in services:
            raise (where / "access" / index / "service").error(f"{entry['service']} is not in `services`")
        SimXRoadAccessRight.objects.get_or_create(
            client=client,
            service=services[entry["service"]],
            method=entry.get("method", ""),
            path=entry.get("path", ""),
        )
    return {"members": len(data["members"]), "services": len(services), "rights": len(data["access"])}


def seed(out=None, **options) -> None:
    counts = seed_registry()
    if out is not None:
        out.write(
            f"sandbox: CamDX security server, {counts['members']} members, {counts['services']} services, "
            f"{counts['rights']} access rights"
        )
