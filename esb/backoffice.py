"""The back-office: the Django admin site, themed by django-unfold, served at /backoffice/.

`esb` sits below the domain apps and imports none of them (docs/architecture.md). How officers log in
and out is the business of `accounts`, which plugs its handlers in from its `AppConfig.ready()`:
`set_login_view()` and `add_logout_hook()`. Without them the site is Django's own admin login.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite

# (site, request, extra_context, password_login) -> response; `password_login` is Django's admin login.
LoginView = Callable[..., HttpResponse]
LogoutHook = Callable[[HttpRequest], None]


class BackofficeSite(UnfoldAdminSite):
    site_header = _("ESB Back-office")
    site_title = _("ESB Back-office")
    index_title = _("Back-office")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._login_view: LoginView | None = None
        self._logout_hooks: list[LogoutHook] = []

    def set_login_view(self, view: LoginView, *, template: str | None = None) -> None:
        """Serve the login page (B1) with `view`; `template` is what Django's password form renders."""
        self._login_view = view
        if template:
            self.login_template = template

    def add_logout_hook(self, hook: LogoutHook) -> None:
        """Run `hook(request)` before the local session ends on a logout POST (e.g. end a DPI session)."""
        if hook not in self._logout_hooks:
            self._logout_hooks.append(hook)

    def login(self, request, extra_context=None):
        from esb.throttle import refuse_if_over

        # Password attempts (and refused ones, which are audited) are rate-limited per client.
        refused = refuse_if_over(request, "password-login", methods=("POST",))
        if refused is not None:
            return refused
        if self._login_view is None:
            return super().login(request, extra_context)
        return self._login_view(self, request, extra_context, password_login=super().login)

    def logout(self, request, extra_context=None):
        if request.method == "POST" and request.user.is_authenticated:
            for hook in self._logout_hooks:
                hook(request)
        return super().logout(request, extra_context)
