"""Back-office theme (django-unfold): branding, navigation. Imported by settings."""

from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _nav(title, icon, url_name, permission=None):
    item = {"title": title, "icon": icon, "link": reverse_lazy(url_name)}
    if permission:
        item["permission"] = permission
    return item


def _can(perm: str):
    return lambda request: request.user.has_perm(perm)


UNFOLD = {
    "SITE_TITLE": _("ESB Back-office"),
    "SITE_HEADER": _("ESB Back-office"),
    "SITE_SUBHEADER": _("Business e-services"),
    "SITE_URL": "/",
    "SITE_SYMBOL": "account_balance",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "STYLES": [lambda request: static("esb/css/backoffice.css")],
    "COLORS": {
        "primary": {
            "50": "oklch(97% .02 255)",
            "100": "oklch(93% .04 255)",
            "200": "oklch(86% .08 255)",
            "300": "oklch(76% .12 258)",
            "400": "oklch(64% .16 260)",
            "500": "oklch(53% .18 262)",
            "600": "oklch(45% .17 263)",
            "700": "oklch(38% .15 264)",
            "800": "oklch(32% .12 265)",
            "900": "oklch(27% .10 266)",
            "950": "oklch(20% .08 267)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        "navigation": [
            {
                "title": _("Service catalog"),
                "separator": True,
                "items": [
                    _nav(
                        _("Institutions"),
                        "account_balance",
                        "admin:registry_institution_changelist",
                        _can("registry.view_institution"),
                    ),
                    _nav(
                        _("Licence types"),
                        "badge",
                        "admin:licensing_licencetype_changelist",
                        _can("licensing.view_licencetype"),
                    ),
                    _nav(
                        _("Form definitions"),
                        "dynamic_form",
                        "admin:licensing_formdefinition_changelist",
                        _can("licensing.view_formdefinition"),
                    ),
                    _nav(
                        _("Workflow definitions"),
                        "account_tree",
                        "admin:licensing_workflowdefinition_changelist",
                        _can("licensing.view_workflowdefinition"),
                    ),
                ],
            },
            {
                "title": _("Base registries"),
                "separator": True,
                "items": [
                    _nav(
                        _("Businesses"),
                        "storefront",
                        "admin:registry_business_changelist",
                        _can("registry.view_business"),
                    ),
                    _nav(
                        _("People"),
                        "person",
                        "admin:registry_person_changelist",
                        _can("registry.view_person"),
                    ),
                    _nav(
                        _("Properties"),
                        "home_work",
                        "admin:registry_property_changelist",
                        _can("registry.view_property"),
                    ),
                ],
            },
            {
                "title": _("Administration"),
                "separator": True,
                "items": [
                    _nav(_("Users"), "group", "admin:accounts_user_changelist", _can("accounts.view_user")),
                    _nav(
                        _("Roles"),
                        "shield_person",
                        "admin:accounts_role_changelist",
                        _can("accounts.view_role"),
                    ),
                    _nav(
                        _("Audit trail"),
                        "policy",
                        "admin:esb_auditevent_changelist",
                        _can("esb.view_auditevent"),
                    ),
                ],
            },
        ],
    },
}
