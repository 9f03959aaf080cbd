"""The CamDigiKey simulator, mounted at /sandbox/camdigikey/: the same paths as the real service
(`/api/v3.0/authentication/…`) plus the login page its `loginUrl` points to."""

from django.urls import path

from sandbox.camdigikey import views
from sandbox.member.views import simulator_health

app_name = "sandbox-camdigikey"

API = "api/v3.0/authentication/"

urlpatterns = [
    path("health", simulator_health, name="health"),  # the heartbeat's probe (monitoring)
    path(f"{API}certificates/access-token", views.certificates, name="certificates"),
    path(f"{API}service-account/login-token", views.api, {"operation": "login-token"}, name="login-token"),
    path(f"{API}service-account/access-token", views.api, {"operation": "access-token"}, name="access-token"),
    path(
        f"{API}service-account/access-token/status",
        views.api,
        {"operation": "access-token-status"},
        name="access-token-status",
    ),
    path(
        f"{API}service-account/refresh-access-token",
        views.api,
        {"operation": "refresh-access-token"},
        name="refresh-access-token",
    ),
    path(
        f"{API}service-account/organization-access-token",
        views.api,
        {"operation": "organization-access-token"},
        name="organization-access-token",
    ),
    path(
        f"{API}service-account/access-token/logout",
        views.api,
        {"operation": "access-token-logout"},
        name="access-token-logout",
    ),
    path(f"{API}service-account/lookup", views.api, {"operation": "lookup"}, name="lookup"),
    path(
        f"{API}service-account/lookup/user-profile",
        views.api,
        {"operation": "lookup-user-profile"},
        name="lookup-user-profile",
    ),
    path("auth/login", views.login, name="login"),
]
