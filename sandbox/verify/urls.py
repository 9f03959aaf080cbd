"""The verify.gov.kh simulator, mounted at /sandbox/verify/: the issuer API under api/v1/ and the public
pages under verify/ (so a QR URL is {VERIFY_PUBLIC_BASE_URL}/verify/{id}?key=..., as on verify.gov.kh)."""

from django.urls import path, re_path

from sandbox.member.views import simulator_health
from sandbox.verify import views

app_name = "sandbox-verify"

_ID = r"(?P<record_id>[A-Za-z0-9_-]{1,128})"

urlpatterns = [
    path("health", simulator_health, name="health"),  # the heartbeat's probe (monitoring)
    path("api/v1/records", views.register, name="register"),
    re_path(rf"^api/v1/records/{_ID}$", views.record, name="record"),
    re_path(rf"^api/v1/records/{_ID}/document$", views.record_document, name="record-document"),
    re_path(rf"^api/v1/records/{_ID}/status$", views.record_status, name="record-status"),
    re_path(rf"^verify/{_ID}$", views.verify_page, name="page"),
    re_path(rf"^verify/{_ID}/document$", views.verify_document, name="document"),
    re_path(rf"^verify/{_ID}/check$", views.verify_check, name="check"),
]
