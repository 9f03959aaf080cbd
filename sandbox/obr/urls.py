"""The OBR simulator, mounted at /sandbox/obr/: `api/v1/businesses/<single_id>` (the CamDX provider URL of
the `business_info` service of CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY)."""

from django.urls import path

from sandbox.obr import views

app_name = "sandbox-obr"

urlpatterns = [
    path("api/v1/businesses/<str:single_id>", views.business, name="business"),
]
