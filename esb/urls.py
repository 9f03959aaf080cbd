from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from esb import views
from esb.health import health

urlpatterns = [
    path("", views.home, name="home"),
    path("branding.css", views.branding_css, name="branding-css"),
    path("health", health, name="health"),
    # Public: the language switch (Django's set_language; refuses an external `next`).
    path("i18n/", include("django.conf.urls.i18n")),
    # Public: the JavaScript translation catalogue.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("services/", include("licensing.urls")),
    path("lookups/", include("registry.urls")),
    path("my-data/", include("privacy.urls")),
    path("notifications/", include("notifications.urls")),
    path("help/", include("portal.urls")),
    path("", include("applications.urls")),
    path("backoffice/", admin.site.urls),
]

# DPI simulators (sandbox/): development and test only; settings refuse them in production.
if settings.ESB_SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

handler400 = "esb.views.bad_request"
handler403 = "esb.views.permission_denied"
handler404 = "esb.views.page_not_found"
handler500 = "esb.views.server_error"
