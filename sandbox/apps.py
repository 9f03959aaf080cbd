from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    """Simulators of the national DPIs, speaking their real wire protocols over HTTP. Installed only when
    ESB_SANDBOX_ENABLED (never in production); no domain app imports it."""

    name = "sandbox"
    verbose_name = _("DPI sandbox")
