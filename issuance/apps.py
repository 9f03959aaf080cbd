"""Issued licences: what an approval produces (a numbered e-licence, its PDF and its verification record) and
what happens to it afterwards (expiry, suspension, revocation, amendment, renewal).

The licence's definition (type, validity, template) is `licensing`'s; the application it comes from is
`applications`' and is reached only through `applications.services` and `applications.signals`.
"""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = _("Issued licences")

    def ready(self) -> None:
        from applications.signals import application_approved
        from issuance.receivers import issue_on_approval

        application_approved.connect(issue_on_approval, dispatch_uid="issuance.issue_on_approval")
        # Verification providers register themselves in issuance.verification.verification_providers.
        from issuance.contrib.verify_gov_kh import plugin as _verify_gov_kh  # noqa: F401

        checks.register(active_verification_provider_exists, "esb")


def active_verification_provider_exists(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """VERIFY_PROVIDER names a registered provider (else every issuance would fail at registration)."""
    from esb.plugins import PluginNotFound
    from issuance.verification import active_provider

    try:
        active_provider()
    except PluginNotFound as missing:
        return [checks.Error(f"VERIFY_PROVIDER: {missing}", id="issuance.E001")]
    return []
