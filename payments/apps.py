from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Providers register themselves in payments.providers.payment_providers when imported.
        from payments.contrib.gateway import plugin as _gateway  # noqa: F401
        from payments.contrib.khqr import plugin  # noqa: F401
