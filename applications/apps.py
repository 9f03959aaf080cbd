from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from applications import prefill, prefill_camdx, signals  # noqa: F401  (prefill sources registered; drafts discarded when consent is withdrawn)
