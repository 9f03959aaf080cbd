"""Back-office theme (django-unfold): branding, navigation. Imported by settings.

Branding is read per request through callables (unfold calls them with the request), so this module
needs nothing from settings at import time and the colours and names always follow ESB_BRANDING.
"""

from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _nav(title, icon, url_name, permission=None):
    item = {"title": title, "icon": icon, "link": reverse_lazy(url_name)}
    if permission:
        item["permission"] = permission
    return item


def _can(perm: str):
    return lambda request: request.user.has_perm(perm)


def _admin_allows(model_label: str):
    """Shown when the model's back-office page would let the user in — its admin's own rules (scope, national
    only) included, not only the model permission: a link that answers 403 is never shown."""

    def check(request) -> bool:
        from django.apps import apps
        from django.contrib import admin

        model_admin = admin.site._registry.get(apps.get_model(model_label))
        return model_admin is not None and model_admin.has_module_permission(request)

    return check


def _can_any(*perms: str):
    return lambda request: any(request.user.has_perm(perm) for perm in perms)


def _brand(key: str):
    def value(request):
        from esb.branding import branding_for

        return branding_for(get_language())[key]

    return value


def _primary_scale(request):
    from esb.branding import unfold_primary_scale

    return unfold_primary_scale(request)


def _languages(request):
    # each language named in itself ("ខ្មែរ", not Django's "Khmer")
    from esb.templatetags.esb_ui import language_choices_list

    return language_choices_list()


def backoffice_context(request) -> dict:
    """UNFOLD["GLOBAL_CALLBACK"]: unfold's language form posts `next={{ redirect_to }}`, which nothing
    else sets; without it the switch relies on the Referer header to come back to the same page."""
    return {"redirect_to": request.get_full_path()}


UNFOLD = {
    "SITE_TITLE": _("ESB Back-office"),
    "SITE_HEADER": _("ESB Back-office"),
    # the institution's name under the title, in the officer's language
    "SITE_SUBHEADER": _brand("institution_name"),
    "SITE_URL": "/",
    # SITE_ICON (not SITE_LOGO): unfold shows the icon beside the title, a logo instead of it
    "SITE_ICON": _brand("logo_url"),
    "SITE_SYMBOL": "account_balance",  # used by unfold only when SITE_ICON is unset
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": lambda request: static("esb/img/favicon.svg")},
        {
            "rel": "icon",
            "type": "image/png",
            "sizes": "32x32",
            "href": lambda request: static("esb/img/favicon-32.png"),
        },
        {"rel": "apple-touch-icon", "href": lambda request: static("esb/img/apple-touch-icon.png")},
    ],
    "SHOW_LANGUAGES": True,
    "LANGUAGES": {"navigation": _languages},
    "GLOBAL_CALLBACK": "esb.unfold_settings.backoffice_context",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "STYLES": [
        lambda request: static("esb/css/fonts.css"),
        lambda request: static("esb/css/backoffice.css"),
        # the review queue and screen (templates/review/): what unfold's compiled Tailwind does not ship
        lambda request: static("review/review.css"),
        # the status page of member systems (monitoring): uptime bars and state badges
        lambda request: static("monitoring/monitoring.css"),
    ],
    # the institution's colour (ESB_BRANDING["PRIMARY_COLOR"]) as unfold's oklch scale
    "COLORS": {"primary": _primary_scale},
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        "navigation": [
            {
                # an officer's work comes first: /backoffice/ opens this queue for them (review.views.landing)
                "title": _("Review"),
                "separator": True,
                "items": [
                    _nav(
                        _("Review queue"),
                        "inbox",
                        "review:queue",
                        _can("review.view_reviewtask"),
                    ),
                    _nav(
                        _("Rejection reasons"),
                        "gavel",
                        "admin:review_rejectionreason_changelist",
                        _can("review.view_rejectionreason"),
                    ),
                ],
            },
            {
                "title": _("Statistics"),
                "separator": True,
                "items": [
                    _nav(
                        _("Statistics dashboard"),
                        "monitoring",
                        "dashboard:dashboard",
                        _can("dashboard.view_dashboard"),
                    ),
                ],
            },
            {
                "title": _("Licences"),
                "separator": True,
                "items": [
                    _nav(
                        _("Licence register"),
                        "verified",
                        "issuance-backoffice:register",
                        _can("issuance.view_licence"),
                    ),
                ],
            },
            {
                "title": _("Payments"),
                "separator": True,
                "items": [
                    _nav(
                        _("Fees: waivers and refunds"),
                        "money_off",
                        "payments-backoffice:fees",
                        _can_any("payments.waive_payment", "payments.refund_payment"),
                    ),
                    _nav(
                        _("Payments"),
                        "payments",
                        "admin:payments_payment_changelist",
                        _can("payments.view_payment"),
                    ),
                    _nav(
                        _("Reconciliation"),
                        "rule",
                        "admin:payments_reconciliationmismatch_changelist",
                        _can("payments.view_reconciliationmismatch"),
                    ),
                ],
            },
            {
                "title": _("Reports"),
                "separator": True,
                "items": [
                    _nav(_("Reports"), "summarize", "reports:builder", _can("reports.run_report")),
                ],
            },
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
                        _("Officers"),
                        "manage_accounts",
                        "admin:accounts_officer_changelist",
                        _can("accounts.view_officer"),
                    ),
                    _nav(
                        _("Roles"),
                        "shield_person",
                        "admin:accounts_role_changelist",
                        _can("accounts.view_role"),
                    ),
                    _nav(
                        _("Public holidays"),
                        "event_busy",
                        "admin:esb_publicholiday_changelist",
                        _can("esb.view_publicholiday"),
                    ),
                    _nav(
                        _("Audit trail"),
                        "policy",
                        "admin:esb_auditevent_changelist",
                        _can("esb.view_auditevent"),
                    ),
                    _nav(
                        _("Locked logins"),
                        "lock",
                        "admin:accounts_lockedlogin_changelist",
                        _can("accounts.view_lockedlogin"),
                    ),
                    _nav(
                        _("System status"),
                        "monitor_heart",
                        "monitoring-backoffice:status",
                        _can("monitoring.view_status"),
                    ),
                    _nav(
                        _("Member systems"),
                        "lan",
                        "admin:monitoring_membersystem_changelist",
                        _admin_allows("monitoring.MemberSystem"),
                    ),
                    _nav(
                        _("Outgoing requests"),
                        "swap_horiz",
                        "admin:esb_outgoingrequest_changelist",
                        _can("esb.view_outgoingrequest"),
                    ),
                    _nav(
                        _("Telegram and SMS messages"),
                        "sms",
                        "admin:notifications_outgoingmessage_changelist",
                        _admin_allows("notifications.OutgoingMessage"),
                    ),
                ],
            },
        ],
    },
}
