"""`/api/v1/…`: the Part 5 endpoints (spec/part5-api.md), their OpenAPI document and its viewers, and the
public code lists. `/health` (endpoint 8) is esb.health, outside the version prefix."""

from django.urls import path, re_path

from camdx_api import views, views_docs, views_statistic

app_name = "camdx_api"

urlpatterns = [
    path("v1/licenses", views.LicensesView.as_view(), name="applications_info"),
    path("v1/licenses/<str:single_id>", views.BusinessLicensesView.as_view(), name="application_info"),
    path(
        "v1/licenses/<str:single_id>/info/<str:request_no>",
        views.ApplicationDetailView.as_view(),
        name="application_detail",
    ),
    path(
        "v1/licenses/<str:single_id>/document/<str:request_no>/<str:document_code>",
        views.DocumentView.as_view(),
        name="application_document",
    ),
    path(
        "v1/licenses/<str:single_id>/timeline/<str:request_no>",
        views.TimelineView.as_view(),
        name="application_timeline",
    ),
    path("v1/statistic", views_statistic.StatisticView.as_view(), name="application_statistic"),
    path(
        "v1/statistic/biz-owner/nationality",
        views.OwnerStatisticView.as_view(),
        name="owner_statistic",
    ),
    path("v1/codes", views_docs.codes, name="codes"),
    path("v1/schema/", views_docs.schema, name="schema"),
    path("v1/docs/", views_docs.swagger, name="swagger-ui"),
    path("v1/redoc/", views_docs.redoc, name="redoc"),
    re_path(r"^.*$", views_docs.unknown_path, name="unknown"),
]
