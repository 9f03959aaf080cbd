from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import signals  # noqa: F401  (audit of password login attempts)
        from accounts.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
        _plug_into_backoffice()


def _plug_into_backoffice() -> None:
    """Officers log in to the back-office with CamDigiKey (page B1; the password form only in break-glass
    mode), and logging out ends their CamDigiKey session too. `esb` owns the site but imports no domain app,
    so accounts plugs its handlers in here."""
    from django.contrib import admin

    from accounts.services import end_camdigikey_session
    from accounts.views import backoffice_login

    admin.site.set_login_view(backoffice_login, template="accounts/backoffice_login.html")
    admin.site.add_logout_hook(end_camdigikey_session)
