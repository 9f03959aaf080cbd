"""The back-office: the Django admin site, themed by django-unfold, served at /backoffice/."""

from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite


class BackofficeSite(UnfoldAdminSite):
    site_header = _("ESB Back-office")
    site_title = _("ESB Back-office")
    index_title = _("Back-office")
    # Page B1: CamDigiKey login, and the password form only in break-glass mode (accounts.views).
    login_template = "accounts/backoffice_login.html"

    def login(self, request, extra_context=None):
        from accounts.views import backoffice_login
        from esb.throttle import refuse_if_over

        # Password attempts (and refused ones, which are audited) are rate-limited per client.
        refused = refuse_if_over(request, "password-login", methods=("POST",))
        if refused is not None:
            return refused
        return backoffice_login(self, request, extra_context, password_login=super().login)

    def logout(self, request, extra_context=None):
        # End the officer's CamDigiKey session too; Django's view then ends the local one.
        if request.method == "POST" and request.user.is_authenticated:
            from accounts.services import end_camdigikey_session

            end_camdigikey_session(request)
        return super().logout(request, extra_context)
