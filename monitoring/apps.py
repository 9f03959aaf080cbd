"""The heartbeat health check of member systems (strategy Appendix 1 II.2): the systems of ministries and
the national DPIs probed on a schedule, every answer recorded, incidents opened and closed, operators
alerted through the notification channels, a status page in the back-office and an optional public one."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("System monitoring")
