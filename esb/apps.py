from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class EsbConfig(AppConfig):
    default = True
    name = "esb"
    verbose_name = _("System")

    def ready(self) -> None:
        from esb import checks  # noqa: F401  (registers the plugin configuration check)
        from esb.working_days import connect_signals

        connect_signals()


class BackofficeAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served as the themed back-office at /backoffice/."""

    default = False
    default_site = "esb.backoffice.BackofficeSite"
