"""Reads of the simulator's registry: who is a member, which services a provider offers, who may call what,
and the metaservice answers built from them (PR-MREST listClients, listMethods, allowedMethods)."""

from __future__ import annotations

from django.db.models import QuerySet

from sandbox.camdx import protocol
from sandbox.camdx.models import SimXRoadAccessRight, SimXRoadMember, SimXRoadService, SimXRoadSubsystem

METASERVICES = frozenset({"listMethods", "allowedMethods", "getOpenAPI"})


def find_subsystem(client: protocol.ClientId) -> SimXRoadSubsystem | None:
    return (
        SimXRoadSubsystem.objects.select_related("member")
        .filter(
            member__instance=client.instance,
            member__member_class=client.member_class,
            member__member_code=client.member_code,
            subsystem_code=client.subsystem_code,
        )
        .first()
    )


def member_exists(client: protocol.ClientId) -> bool:
    members = SimXRoadMember.objects.filter(
        instance=client.instance, member_class=client.member_class, member_code=client.member_code
    )
    if not client.subsystem_code:
        return members.exists()
    return find_subsystem(client) is not None


def registered_client(header: str | None) -> protocol.ClientId:
    """The X-Road-Client of a request, registered in the simulator, or the X-Road error to answer."""
    if not header or not header.strip():
        raise protocol.XRoadError(protocol.INVALID_CLIENT_IDENTIFIER, "The client identifier is missing")
    client = protocol.parse_client_id(protocol.last_header_value(header))
    if not member_exists(client):
        raise protocol.XRoadError(protocol.UNKNOWN_MEMBER, f"Client '{client}' not found")
    return client


def provider_subsystem(provider: protocol.ClientId) -> SimXRoadSubsystem:
    subsystem = find_subsystem(provider)
    if subsystem is None:
        raise protocol.XRoadError(
            protocol.UNKNOWN_MEMBER, f'Could not find addresses for service provider "{provider}"'
        )
    return subsystem


def find_service(target: protocol.ServiceId) -> SimXRoadService:
    """The service a request names, enabled, or the X-Road error (unknown provider, service, disabled)."""
    subsystem = provider_subsystem(target.client)
    service = subsystem.services.filter(service_code=target.service_code).first()
    if service is None:
        raise protocol.XRoadError(protocol.UNKNOWN_SERVICE, f"Unknown service: {target}")
    if not service.enabled:
        raise protocol.XRoadError(
            protocol.SERVICE_DISABLED, f"Service {target} is disabled: {service.disabled_notice}"
        )
    return service


def _rights(client: protocol.ClientId) -> QuerySet[SimXRoadAccessRight]:
    if not client.subsystem_code:
        return SimXRoadAccessRight.objects.none()  # rights are granted to subsystems only
    return SimXRoadAccessRight.objects.filter(
        client__member__instance=client.instance,
        client__member__member_class=client.member_class,
        client__member__member_code=client.member_code,
        client__subsystem_code=client.subsystem_code,
    )


def is_allowed(client: protocol.ClientId, service: SimXRoadService, method: str, service_path: str) -> bool:
    return any(
        protocol.endpoint_matches(right.method, right.path, method, service_path)
        for right in _rights(client).filter(service=service)
    )


def check_access(client: protocol.ClientId, service: SimXRoadService, method: str, service_path: str) -> None:
    if not is_allowed(client, service, method, service_path):
        raise protocol.XRoadError(
            protocol.ACCESS_DENIED,
            f"Request is not allowed: Service {service.identifier} is not allowed for client {client}",
        )


def _member_id(member: SimXRoadMember) -> dict:
    return {
        "member_class": member.member_class,
        "member_code": member.member_code,
        "object_type": "MEMBER",
        "xroad_instance": member.instance,
    }


def list_clients(instance: str = "") -> dict:
    """listClients: every member and every subsystem, with the member's name (PR-MREST §3)."""
    members = SimXRoadMember.objects.prefetch_related("subsystems").order_by(
        "instance", "member_class", "member_code"
    )
    if instance:
        members = members.filter(instance=instance)
    listed = []
    for member in members:
        listed.append({"id": _member_id(member), "name": member.name})
        for subsystem in member.subsystems.all():
            identifier = {**_member_id(member), "object_type": "SUBSYSTEM"}
            identifier["subsystem_code"] = subsystem.subsystem_code
            listed.append({"id": dict(sorted(identifier.items())), "name": member.name})
    return {"member": listed}


def _service_entry(service: SimXRoadService, endpoints: list[dict]) -> dict:
    provider = service.provider
    return {
        "member_class": provider.member.member_class,
        "member_code": provider.member.member_code,
        "object_type": "SERVICE",
        "service_code": service.service_code,
        "service_type": service.service_type,
        "subsystem_code": provider.subsystem_code,
        "xroad_instance": provider.member.instance,
        "endpoint_list": endpoints,
    }


def _endpoints(service: SimXRoadService) -> list[dict]:
    return [{"method": item["method"], "path": item["path"]} for item in service.endpoints]


def list_methods(provider: SimXRoadSubsystem) -> dict:
    """listMethods: the provider's services with their endpoints (metaservices never list themselves)."""
    services = provider.services.select_related("provider__member").order_by("service_code")
    return {"service": [_service_entry(service, _endpoints(service)) for service in services]}


def allowed_methods(provider: SimXRoadSubsystem, client: protocol.ClientId) -> dict:
    """allowedMethods: the services (and, for endpoint-level rights, the endpoints) the client may call."""
    rights = list(_rights(client).filter(service__provider=provider).select_related("service"))
    by_service: dict[int, list[SimXRoadAccessRight]] = {}
    for right in rights:
        by_service.setdefault(right.service_id, []).append(right)
    entries = []
    services = provider.services.select_related("provider__member").order_by("service_code")
    for service in services.filter(pk__in=by_service):
        service_rights = by_service[service.pk]
        if any(not right.method and not right.path for right in service_rights):
            endpoints = _endpoints(service)
        else:
            endpoints = [
                {"method": right.method or "*", "path": right.path or "*"} for right in service_rights
            ]
        entries.append(_service_entry(service, endpoints))
    return {"service": entries}
