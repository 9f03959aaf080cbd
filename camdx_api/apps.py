"""The Part 5 interoperability APIs: what other ministries' systems read from this portal, directly or through
CamDX (X-Road), with a CamDigiKey organization token. The API is a door: it reads through the domain apps'
selectors and writes only its own call log and the data-access log of the people whose data it disclosed.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamdxApiConfig(AppConfig):
    name = "camdx_api"
    verbose_name = _("Interoperability API")

    def ready(self) -> None:
        from camdx_api import schema, signals  # noqa: F401  (the OpenAPI security scheme, the consumer cache)
        from camdx_api.envelopes import early_error
        from esb.views import register_error_renderer

        register_error_renderer("/api/", early_error)
