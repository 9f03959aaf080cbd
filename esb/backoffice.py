"""The back-office: the Django admin site, themed by django-unfold, served at /backoffice/."""

from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite


class BackofficeSite(UnfoldAdminSite):
    site_header = _("ESB Back-office")
    site_title = _("ESB Back-office")
    index_title = _("Back-office")
