"""Alerts to the operators of a member system, through the notification channels
(`notifications.alerts.send_message`): one "down" when an incident opens, one "recovered" when it closes,
per destination, in the destination's language.

- No duplicates: one Alert row per (incident, destination, kind), and the channel's dedupe key
  `monitoring:incident:<id>:<kind>:<destination>` makes a repeated call send nothing.
- Rate limit: at most ALERTS_PER_HOUR alerts per destination in any rolling hour, so a flapping system
  cannot flood a chat or a phone. An alert over the limit is held back (status "suppressed"); a held-back
  "down" goes out later while its incident is still open (`release_held_alerts`, run by the dispatcher); a
  "recovered" is sent only when its "down" was, so nobody is told of a recovery they never heard about.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring.models import Alert, AlertDestination, AlertKind, Incident, MemberSystem, cause_label

logger = logging.getLogger(__name__)

# K: two full down/recovered pairs an hour per destination; a system flapping faster is visible on the
# status page, and its still-open incident is announced as soon as the hour allows.
ALERTS_PER_HOUR = 4


def dedupe_key(incident: Incident, kind: str, destination: AlertDestination) -> str:
    return f"monitoring:incident:{incident.pk}:{kind}:{destination.pk}"


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def message_text(incident: Incident, kind: str, language: str) -> str:
    system = incident.system
    with translation.override(language):
        name = system.name_km if language == "km" else system.name_en
        if kind == AlertKind.DOWN:
            return _(
                "DOWN: %(name)s has not answered its health check since %(start)s (%(cause)s). Incident "
                "no. %(number)s."
            ) % {
                "name": name,
                "start": _local(incident.started_at),
                "cause": cause_label(incident.cause),
                "number": incident.pk,
            }
        return ngettext(
            "RECOVERED: %(name)s answers again since %(end)s, after about %(minutes)s minute down. "
            "Incident no. %(number)s is closed.",
            "RECOVERED: %(name)s answers again since %(end)s, after about %(minutes)s minutes down. "
            "Incident no. %(number)s is closed.",
            incident.duration_minutes,
        ) % {
            "name": name,
            "end": _local(incident.ended_at),
            "minutes": incident.duration_minutes,
            "number": incident.pk,
        }


def _sent_last_hour(destination: AlertDestination, now: datetime.datetime) -> int:
    return Alert.objects.filter(
        destination=destination, status=Alert.Status.SENT, sent_at__gt=now - datetime.timedelta(hours=1)
    ).count()


def _send(incident: Incident, destination: AlertDestination, kind: str, now: datetime.datetime) -> Alert:
    """Send (or hold back) one alert; the caller holds the system's row lock."""
    from notifications import alerts as channel_alerts

    alert = Alert.objects.filter(incident=incident, destination=destination, kind=kind).first()
    if alert is not None and alert.status != Alert.Status.SUPPRESSED:
        return alert
    if _sent_last_hour(destination, now) >= ALERTS_PER_HOUR:
        if alert is None:
            alert = Alert.objects.create(
                incident=incident, destination=destination, kind=kind, status=Alert.Status.SUPPRESSED
            )
        return alert
    if alert is None:
        alert = Alert(incident=incident, destination=destination, kind=kind)
    try:
        message = channel_alerts.send_message(
            channel=destination.channel,
            destination=destination.address,
            text=message_text(incident, kind, destination.language),
            dedupe_key=dedupe_key(incident, kind, destination),
            purpose="alert",
        )
    except (LookupError, ValueError) as refused:
        # an unknown channel or a destination it cannot send to: the incident and the probe's answer are
        # kept all the same (the alert row says what happened; the status page shows the incident)
        logger.warning("alert for incident %s refused by %s: %s", incident.pk, destination.channel, refused)
        alert.status = Alert.Status.FAILED
        alert.save()
        return alert
    alert.status = Alert.Status.SENT
    alert.sent_at = now
    alert.message_id = message.pk
    alert.save()
    return alert


def _destinations(incident: Incident):
    return AlertDestination.objects.filter(system_id=incident.system_id, enabled=True).order_by("pk")


def incident_opened(incident: Incident, now: datetime.datetime | None = None) -> list[Alert]:
    now = now or timezone.now()
    return [_send(incident, destination, AlertKind.DOWN, now) for destination in _destinations(incident)]


def incident_closed(incident: Incident, now: datetime.datetime | None = None) -> list[Alert]:
    now = now or timezone.now()
    done = []
    for destination in _destinations(incident):
        down = Alert.objects.filter(incident=incident, destination=destination, kind=AlertKind.DOWN).first()
        if down is None or down.status != Alert.Status.SENT:
            if down is not None:
                Alert.objects.filter(pk=down.pk).update(status=Alert.Status.SKIPPED)
            done.append(
                Alert.objects.get_or_create(
                    incident=incident,
                    destination=destination,
                    kind=AlertKind.RECOVERED,
                    defaults={"status": Alert.Status.SKIPPED},
                )[0]
            )
            continue
        done.append(_send(incident, destination, AlertKind.RECOVERED, now))
    return done


def release_held_alerts(now: datetime.datetime | None = None) -> int:
    """Send the held-back "down" alerts of incidents still open, as far as each destination's hour allows."""
    now = now or timezone.now()
    sent = 0
    held = (
        Alert.objects.filter(
            status=Alert.Status.SUPPRESSED, kind=AlertKind.DOWN, incident__ended_at__isnull=True
        )
        .values_list("incident__system_id", flat=True)
        .distinct()
    )
    for system_id in list(held):
        with transaction.atomic():
            MemberSystem.objects.select_for_update().filter(pk=system_id).first()
            for alert in Alert.objects.filter(
                status=Alert.Status.SUPPRESSED,
                kind=AlertKind.DOWN,
                incident__system_id=system_id,
                incident__ended_at__isnull=True,
            ).select_related("incident__system", "destination"):
                if _send(alert.incident, alert.destination, alert.kind, now).status == Alert.Status.SENT:
                    sent += 1
    return sent
