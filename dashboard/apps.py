"""The statistics dashboard of the back-office (Part 6 page 4, Part 3 §10): counts, fees and processing times
read from pre-aggregated tables that a beat task folds from the history (docs/dashboard.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")
