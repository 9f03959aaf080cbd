"""Reports (Part 6 back-end page 3): an officer builds a report of applications from conditions, sees it as a
table with totals and exports it as CSV, XLSX or a bilingual PDF; large ones run as Celery jobs. A door on top
of the domain apps: it reads through their models within the officer's scope and writes only its own rows and
the data-access log of the people a list discloses (docs/reports.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
