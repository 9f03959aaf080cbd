from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Channels register themselves in notifications.channels.channels when imported.
        from notifications.contrib.sms import plugin as _sms  # noqa: F401
        from notifications.contrib.telegram import plugin  # noqa: F401
