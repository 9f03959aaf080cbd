"""What each officer role may do. The roles themselves are rows (created by migration 0002);
this table says which Django permissions each holds, and `sync_role_permissions` applies it after every
`migrate`, so a new model's permissions reach the right roles without a hand edit."""

from __future__ import annotations

# code -> (English name, Khmer name, order): the names a role gets when it has to be re-created.
ROLE_NAMES: dict[str, tuple[str, str, int]] = {
    "reception_officer": ("Reception officer", "មន្ត្រីទទួលពាក្យ", 10),
    "technical_officer": ("Technical officer", "មន្ត្រីបច្ចេកទេស", 20),
    "head_of_office": ("Head of office", "ប្រធានការិយាល័យ", 30),
    "approver": ("Approver (director)", "អ្នកអនុម័ត (នាយក)", 40),
    "report_viewer": ("Report viewer", "អ្នកមើលរបាយការណ៍", 50),
    "service_administrator": ("Service administrator", "អ្នកគ្រប់គ្រងសេវា", 60),
    "system_administrator": ("System administrator", "អ្នកគ្រប់គ្រងប្រព័ន្ធ", 70),
}

# Permission codenames ("app_label.codename"), or "app_label.*" for every permission of an app.
_VIEW_REGISTRIES = ["registry.view_business", "registry.view_person", "registry.view_property"]
_VIEW_CATALOG = [
    "registry.view_institution",
    "registry.view_department",
    "licensing.view_licencetype",
    "licensing.view_formdefinition",
    "licensing.view_workflowdefinition",
]
# Registering officers by personal code and giving them roles at their own institution (B5 permissions page).
_MANAGE_OFFICERS = [
    "accounts.view_officer",
    "accounts.add_officer",
    "accounts.change_officer",
    "accounts.view_officerassignment",
    "accounts.add_officerassignment",
    "accounts.change_officerassignment",
]
# The help desk (portal app): answering support requests, reading page feedback, editing the FAQ.
_HELP_DESK = [
    "portal.view_supportrequest",
    "portal.change_supportrequest",
    "portal.view_feedback",
    "portal.view_faq",
]
_EDIT_FAQ = ["portal.view_faq", "portal.add_faq", "portal.change_faq", "portal.delete_faq"]
# The public-holiday table every working-day deadline skips (esb.PublicHoliday), kept from the sub-decrees.
_EDIT_HOLIDAYS = [
    "esb.view_publicholiday",
    "esb.add_publicholiday",
    "esb.change_publicholiday",
    "esb.delete_publicholiday",
]
# Reading submitted applications of the officer's institution (reviewing them comes with the workflow).
_VIEW_APPLICATIONS = ["applications.view_application"]
# The review roles: the queues, the review screen (events, documents, history, internal notes) and the
# rejection reasons to choose from. Which step a role acts at is the workflow's data (review.eligibility).
_REVIEW = [
    *_VIEW_APPLICATIONS,
    "applications.view_applicationevent",
    "applications.view_applicationdocument",
    "review.view_reviewtask",
    "review.view_reviewaction",
    "review.view_internalnote",
    "review.view_rejectionreason",
]
_MAINTAIN_REJECTION_REASONS = [
    "review.view_rejectionreason",
    "review.add_rejectionreason",
    "review.change_rejectionreason",
]
# Fees (docs/payments.md): the payments of the officer's institutions and the reconciliation's findings.
# Waiving a fee is a supervisor's or the director's decision; a refund moves money out, so only the approver
# (the director) records one: there is no finance role.
_SEE_PAYMENTS = ["payments.view_payment", "payments.view_receipt", "payments.view_reconciliationmismatch"]
_WAIVE_FEES = [*_SEE_PAYMENTS, "payments.waive_payment"]
_REFUND_PAYMENTS = [*_SEE_PAYMENTS, "payments.refund_payment"]
# The licence document's template per licence type (issuance: HTML, CSS, conditions, emblem, PDF preview).
_EDIT_LICENCE_TEMPLATES = [
    "issuance.view_licencetemplate",
    "issuance.add_licencetemplate",
    "issuance.change_licencetemplate",
]
# Issued licences (docs/licences.md): the register for the review roles; suspending, reinstating and revoking
# for the supervisor and the approving director.
_SEE_LICENCES = ["issuance.view_licence", "issuance.view_licenceevent"]
_CHANGE_LICENCE_STATUS = [*_SEE_LICENCES, "issuance.change_licence_status"]
# The Part 5 API (camdx_api): which other institutions' systems may call it, with what access list and rate,
# and the log of their calls. National: the admin shows them to national system administrators only. A
# consumer is deactivated, never deleted (its calls are evidence), hence no delete permission.
_MANAGE_API_CONSUMERS = [
    "camdx_api.view_apiconsumer",
    "camdx_api.add_apiconsumer",
    "camdx_api.change_apiconsumer",
    "camdx_api.view_apicall",
]
# Reports (docs/reports.md): summaries for whoever reads the figures; lists of applications (personal data,
# each export logged in the data-access log) for the supervisor, the director and the report viewer.
_RUN_REPORTS = [
    "reports.run_report",
    "reports.view_reportdefinition",
    "reports.add_reportdefinition",
    "reports.change_reportdefinition",
    "reports.delete_reportdefinition",
]
_LIST_REPORTS = [*_RUN_REPORTS, "reports.export_personal_data"]
# The statistics dashboard (docs/dashboard.md): figures of the officer's own scope, national for a national
# system administrator.
_SEE_DASHBOARD = ["dashboard.view_dashboard"]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "reception_officer": [*_VIEW_REGISTRIES, *_VIEW_CATALOG, *_HELP_DESK, *_REVIEW, *_SEE_LICENCES],
    "technical_officer": [*_VIEW_REGISTRIES, *_VIEW_CATALOG, *_REVIEW, *_SEE_LICENCES],
    # the supervisor: reassigns the team's applications and is told when one becomes overdue
    "head_of_office": [
        *_VIEW_REGISTRIES,
        *_VIEW_CATALOG,
        *_REVIEW,
        "review.supervise_reviewtask",
        *_WAIVE_FEES,
        *_SEE_DASHBOARD,
        *_CHANGE_LICENCE_STATUS,
        *_LIST_REPORTS,
    ],
    # approving authority (the final step of a workflow approves only with it)
    "approver": [
        *_VIEW_REGISTRIES,
        *_VIEW_CATALOG,
        *_REVIEW,
        "review.approve_application",
        *_WAIVE_FEES,
        *_REFUND_PAYMENTS,
        *_CHANGE_LICENCE_STATUS,
        *_LIST_REPORTS,
        *_SEE_DASHBOARD,
    ],
    "report_viewer": [
        *_VIEW_CATALOG,
        "esb.view_auditevent",
        "portal.view_feedback",
        *_LIST_REPORTS,
        *_SEE_DASHBOARD,
    ],
    "service_administrator": [
        *_VIEW_REGISTRIES,
        "licensing.*",
        "registry.view_institution",
        "registry.view_department",
        *_MANAGE_OFFICERS,
        *_EDIT_FAQ,
        "portal.view_feedback",
        *_MAINTAIN_REJECTION_REASONS,
        *_EDIT_HOLIDAYS,
        *_EDIT_LICENCE_TEMPLATES,
    ],
    # accounts.* includes the break-glass lockouts (accounts.LockedLogin: view, and delete = unlock)
    "system_administrator": [
        "accounts.*",
        "registry.*",
        "licensing.*",
        "esb.view_auditevent",
        "esb.view_outgoingrequest",
        *_EDIT_HOLIDAYS,
        # the outbox of work that follows commits: see it, and send a failed message again after a fix
        "outbox.view_outboxmessage",
        "outbox.retry_outboxmessage",
        "portal.*",
        "notifications.view_notification",
        # Telegram and SMS messages (masked; national administrators only, notifications/admin.py)
        "notifications.view_outgoingmessage",
        "privacy.*",
        *_VIEW_APPLICATIONS,
        *_SEE_LICENCES,
        *_MANAGE_API_CONSUMERS,
        # the heartbeat of member systems: the registry (national administrators) and the status page
        "monitoring.*",
        *_LIST_REPORTS,
        *_SEE_DASHBOARD,
    ],
}


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Make each role's permission set equal to ROLE_PERMISSIONS (run after migrate)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Permission

    # Runs after every app's post_migrate (cheap), so permissions created for later apps are picked up.
    Role = global_apps.get_model("accounts", "Role")
    for code, wanted in ROLE_PERMISSIONS.items():
        # Migration 0002 creates the roles; a database flush (test isolation, `manage.py flush`) removes
        # them, and the post_migrate that follows a flush puts them back here.
        name_en, name_km, order = ROLE_NAMES[code]
        role, _created = Role.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_km": name_km, "sort_order": order}
        )
        perms = Permission.objects.none()
        for spec in wanted:
            app_label, codename = spec.split(".", 1)
            if codename == "*":
                perms = perms | Permission.objects.filter(content_type__app_label=app_label)
            else:
                perms = perms | Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
        role.permissions.set(perms.distinct())
