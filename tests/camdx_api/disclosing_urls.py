"""A test-only endpoint that discloses an application (the door's `disclose`), beside the portal's pages."""

from __future__ import annotations

from django.urls import include, path

from applications.models import Application
from camdx_api.base import Part5View
from camdx_api.service_codes import ServiceCode


class Disclosing(Part5View):
    service_code = ServiceCode.APPLICATION_DETAIL

    def get(self, request, version, request_no):
        application = Application.objects.filter(reference=request_no).first()
        if application is None:
            return self.not_found("Application not found.")
        self.disclose(request, applications=[application])
        return self.ok({"request_no": application.reference})


urlpatterns = [
    path("api/<str:version>/door/<str:request_no>/", Disclosing.as_view()),
    path("", include("esb.urls")),
]
