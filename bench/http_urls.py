"""The portal's URLs (esb.urls, unchanged) plus `/bench/bare`: a JSON view without a database query, the
ceiling of the same server, middleware and process model a Part 5 endpoint runs on (bench/part5_api.py), and
`/bench/bare-logged?n=N`: the same answer after the Part 5 call log's own statement with N data-access lines
(camdx_api.calllog.write, what every Part 5 call writes before it answers) — the floor the logging rule puts
under any endpoint. Served only with `bench.http_settings`."""

import functools

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from esb.access import public

# About the size of a small API answer's envelope; constant, so the view does nothing but answer.
BARE_BODY = {"code": 0, "message": "Success", "data": {"bench": "bare", "items": [1, 2, 3]}}


@public  # the bench's reference view: no data, nothing to protect
def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BARE_BODY)


@functools.cache
def _disclosed() -> tuple:
    """20 (applicant, business, reference) of exposed applications: who a list page's lines concern."""
    from camdx_api import calllog, selectors
    from camdx_api.models import ApiConsumer

    rows = (
        selectors.exposed_applications()
        .order_by("-pk")
        .values_list("applicant_id", "business_id", "reference")
    )
    consumer = ApiConsumer.objects.order_by("pk").first()
    accesses = tuple(
        calllog.Access(what="your application", subject_user_id=u, subject_business_id=b, object_ref=r)
        for u, b, r in rows[:20]
    )
    return (consumer.pk if consumer else None), accesses


@public  # the bench's reference view: writes log lines only, reads nothing it answers
def bare_logged(request: HttpRequest) -> JsonResponse:
    from camdx_api import calllog, services

    consumer_id, accesses = _disclosed()
    text = request.GET.get("n", "0")
    count = min(int(text), len(accesses)) if text.isascii() and text.isdigit() else 0
    calllog.write(
        consumer_id=consumer_id,
        service_code="bench",
        method="GET",
        path=request.path,
        status_code=200,
        duration_ms=0,
        outcome="ok",
        ip="127.0.0.1",
        xroad=services.XRoadHeaders(),
        request_id="",
        accessor_label="bench",
        accessor_label_km="bench",
        accesses=accesses[:count],
    )
    return JsonResponse(BARE_BODY)


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/bare-logged", bare_logged, name="bench-bare-logged"),
    path("", include("esb.urls")),
]

handler400 = "esb.views.bad_request"
handler403 = "esb.views.permission_denied"
handler404 = "esb.views.page_not_found"
handler500 = "esb.views.server_error"
