"""Every write of the heartbeat: the registry of member systems (registry.py), the dispatcher's claims
(dispatch.py), probe answers, incidents and system state (incidents.py), alerts (alerts.py) and the daily
rollups (rollups.py)."""

from monitoring.services.alerts import ALERTS_PER_HOUR, release_held_alerts
from monitoring.services.dispatch import claim_due_slots
from monitoring.services.incidents import record_answer
from monitoring.services.registry import register_system
from monitoring.services.rollups import fold_day, fold_recent, rebuild_rollups

__all__ = [
    "ALERTS_PER_HOUR",
    "claim_due_slots",
    "fold_day",
    "fold_recent",
    "rebuild_rollups",
    "record_answer",
    "register_system",
    "release_held_alerts",
]
