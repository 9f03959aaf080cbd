"""The Bakong simulator, mounted at /sandbox/bakong/: the Open API paths (`/v1/…`) as on
api-bakong.nbc.gov.kh, a test-control endpoint and the bank app page."""

from django.urls import path

from sandbox.bakong import views
from sandbox.member.views import simulator_health

app_name = "sandbox-bakong"

urlpatterns = [
    path("health", simulator_health, name="health"),  # the heartbeat's probe (monitoring)
    *[
        path(f"v1/{operation}", views.api, {"operation": operation}, name=operation)
        for operation in views.OPERATIONS
    ],
    path("_sim/pay", views.sim_pay, name="sim-pay"),
    path("app/", views.bank_app, name="app"),
]
