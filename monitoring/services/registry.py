"""Registering member systems and their alert destinations outside the back-office form (demo data,
operators' scripts): idempotent by code, validated like the form, every change in the audit trail."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from esb import audit
from esb.crypto import lookup_hash
from monitoring.models import AlertDestination, MemberSystem

CONFIG_FIELDS = (
    "name_en",
    "name_km",
    "kind",
    "probe_url",
    "check_kind",
    "interval_seconds",
    "timeout_seconds",
    "slow_ms",
    "failures_before_incident",
    "owner_institution",
    "owner_contact",
    "enabled",
)


def save_config(system: MemberSystem, *, created: bool) -> None:
    """Save the configuration only: the running state (state, failures, slots) belongs to the probes, which
    may have changed it since the form or the caller read the row."""
    if created:
        system.save()
    else:
        system.save(update_fields=[*CONFIG_FIELDS, "updated_at"])


@transaction.atomic
def register_system(
    *, code: str, destinations: Iterable[dict] = (), actor_id: int | None = None, **config
) -> MemberSystem:
    """Create or update the system `code` with `config` (CONFIG_FIELDS) and add the given destinations
    ({"channel", "address", "language"}) that it does not have yet."""
    system = MemberSystem.objects.select_for_update().filter(code=code).first()
    created = system is None
    if created:
        system = MemberSystem(code=code)
    before = None if created else audit.snapshot(system)
    for name, value in config.items():
        if name not in CONFIG_FIELDS:
            raise TypeError(f"unknown member system setting {name!r}")
        setattr(system, name, value)
    system.full_clean()
    after = audit.snapshot(system)
    if not created:
        before, after = audit.changed_fields(before, after)
    if created or before or after:
        save_config(system, created=created)
        audit.record(
            "monitoring.system_registered" if created else "monitoring.system_changed",
            system,
            before=before,
            after=after,
            actor_id=actor_id,
        )
    for wanted in destinations:
        address = str(wanted["address"]).strip()
        exists = AlertDestination.objects.filter(
            system=system, channel=wanted["channel"], address_hash=lookup_hash(address)
        ).exists()
        if exists:
            continue
        destination = AlertDestination(
            system=system, channel=wanted["channel"], address=address, language=wanted.get("language", "km")
        )
        destination.full_clean()
        destination.save()
        audit.record(
            "monitoring.destination_added",
            destination,
            after={"system": system.code, "channel": destination.channel},
            actor_id=actor_id,
        )
    return system
