"""Test-only endpoints standing on the Part 5 door (camdx_api.base.Part5View); used with
`@pytest.mark.urls("tests.camdx_api.door_urls")`. Not app code: the real endpoints live in camdx_api."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import serializers

from camdx_api.base import Part5View
from camdx_api.envelopes import STATUS
from camdx_api.service_codes import ServiceCode


class Door(Part5View):
    service_code = ServiceCode.APPLICATION_INFO

    def get(self, request, version):
        return self.ok({"consumer": request.auth.consumer.camdigikey_domain, "version": version})


class ListDoor(Part5View):
    service_code = ServiceCode.APPLICATIONS_INFO
    envelope = STATUS

    def get(self, request, version):
        if request.query_params.get("search_term") == "nothing":
            return self.not_found("No application matches.")
        pagination = {"page": 1, "size": 10, "total_counts": 1, "total_page": 1}
        return self.list_ok([{"request_no": "MOC-2026-000001"}], pagination)


class _Query(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, max_value=100)


class Missing(Part5View):
    service_code = ServiceCode.APPLICATION_DETAIL

    def get(self, request, version, single_id):
        _Query(data=request.query_params).is_valid(raise_exception=True)
        return self.not_found(f"No business {single_id}.")


class Broken(Part5View):
    service_code = ServiceCode.APPLICATION_TIMELINE

    def get(self, request, version):
        raise RuntimeError("secret internal detail")


class Statistic(Part5View):
    service_code = ServiceCode.APPLICATION_STATISTIC

    def get(self, request, version):
        return self.ok({})


api = [
    path("<str:version>/door/", Door.as_view()),
    path("<str:version>/list/", ListDoor.as_view()),
    path("<str:version>/missing/<str:single_id>/", Missing.as_view()),
    path("<str:version>/broken/", Broken.as_view()),
    path("<str:version>/statistic/", Statistic.as_view()),
]

urlpatterns = [path("api/", include(api)), path("", include("esb.urls"))]
