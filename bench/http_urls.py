"""The portal's URLs (esb.urls, unchanged) plus `/bench/bare`: a JSON view without a database query, the
ceiling of the same server, middleware and process model a Part 5 endpoint runs on (bench/part5_api.py).
Served only with `bench.http_settings`."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from esb.access import public

# About the size of a small API answer's envelope; constant, so the view does nothing but answer.
BARE_BODY = {"code": 0, "message": "Success", "data": {"bench": "bare", "items": [1, 2, 3]}}


@public  # the bench's reference view: no data, nothing to protect
def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BARE_BODY)


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("", include("esb.urls")),
]

handler400 = "esb.views.bad_request"
handler403 = "esb.views.permission_denied"
handler404 = "esb.views.page_not_found"
handler500 = "esb.views.server_error"
