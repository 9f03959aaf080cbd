"""What each officer role may do. The roles themselves are rows (created by migration 0002);
this table says which Django permissions each holds, and `sync_role_permissions` applies it after every
`migrate`, so a new model's permissions reach the right roles without a hand edit."""

from __future__ import annotations

# Permission codenames ("app_label.codename"), or "app_label.*" for every permission of an app.
_VIEW_REGISTRIES = ["registry.view_business", "registry.view_person", "registry.view_property"]
_VIEW_CATALOG = [
    "registry.view_institution",
    "registry.view_department",
    "licensing.view_licencetype",
    "licensing.view_formdefinition",
    "licensing.view_workflowdefinition",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "reception_officer": [*_VIEW_REGISTRIES, *_VIEW_CATALOG],
    "technical_officer": [*_VIEW_REGISTRIES, *_VIEW_CATALOG],
    "head_of_office": [*_VIEW_REGISTRIES, *_VIEW_CATALOG],
    "approver": [*_VIEW_REGISTRIES, *_VIEW_CATALOG],
    "report_viewer": [*_VIEW_CATALOG, "esb.view_auditevent"],
    "service_administrator": [
        *_VIEW_REGISTRIES,
        "licensing.*",
        "registry.view_institution",
        "registry.view_department",
    ],
    "system_administrator": ["accounts.*", "registry.*", "licensing.*", "esb.view_auditevent"],
}


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Make each role's permission set equal to ROLE_PERMISSIONS (run after migrate)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Permission

    # Runs after every app's post_migrate (cheap), so permissions created for later apps are picked up.
    Role = global_apps.get_model("accounts", "Role")
    for code, wanted in ROLE_PERMISSIONS.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
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
