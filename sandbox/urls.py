"""The DPI simulators, mounted at /sandbox/ only when ESB_SANDBOX_ENABLED (never in production)."""

from django.urls import include, path

urlpatterns = [
    path("camdigikey/", include("sandbox.camdigikey.urls")),
    path("camdx/", include("sandbox.camdx.urls")),
    path("bakong/", include("sandbox.bakong.urls")),
    path("gateway/", include("sandbox.gateway.urls")),
    path("verify/", include("sandbox.verify.urls")),
    path("obr/", include("sandbox.obr.urls")),
    path("telegram/", include("sandbox.telegram.urls")),
    path("sms/", include("sandbox.sms.urls")),
    path("member/", include("sandbox.member.urls")),
]
