from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from esb import views
from esb.access import public
from esb.health import health

urlpatterns = [
    # The home page previews the catalog, so licensing serves it (esb imports no domain app).
    path("", include("licensing.home_urls")),
    path("branding.css", views.branding_css, name="branding-css"),
    path("health", health, name="health"),
    path("api/", include("camdx_api.urls")),
    # The language switch (Django's set_language; refuses an external `next`).
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("jsi18n/", public(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("services/", include("licensing.urls")),
    path("lookups/", include("registry.urls")),
    path("my-data/", include("privacy.urls")),
    path("notifications/", include("notifications.urls")),
    path("help/", include("portal.urls")),
    path("", include("applications.urls")),
    path("", include("payments.urls")),
    path("", include("issuance.urls")),
    path("", include("monitoring.urls")),
    # The officer's review pages (and the officers' landing page, /backoffice/ itself) live inside the
    # back-office shell: matched before the admin site, whose URLs answer everything else.
    path("backoffice/", include("review.urls")),
    path("backoffice/fees/", include("payments.backoffice_urls")),
    path("backoffice/licences/", include("issuance.backoffice_urls")),
    path("backoffice/status/", include("monitoring.backoffice_urls")),
    path("backoffice/reports/", include("reports.urls")),
    path("backoffice/dashboard/", include("dashboard.urls")),
    path("backoffice/", admin.site.urls),
]

# DPI simulators (sandbox/): development and test only; settings refuse them in production.
if settings.ESB_SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

handler400 = "esb.views.bad_request"
handler403 = "esb.views.permission_denied"
handler404 = "esb.views.page_not_found"
handler500 = "esb.views.server_error"
