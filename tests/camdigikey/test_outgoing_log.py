"""esb.outgoing: the log every integration client writes through (DESIGN.md §5)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from esb import outgoing, request_context
from esb.models import OutgoingRequest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pa55@cdk.example.gov.kh:8446/api/x?token=abc&code=1#frag", "https://cdk.example.gov.kh:8446/api/x?token=%2A%2A%2A&code=%2A%2A%2A"),
        ("http://127.0.0.1:8000/sandbox/camdigikey/api", "http://127.0.0.1:8000/sandbox/camdigikey/api"),
        ("https://[::1]:8443/p?x=", "https://[::1]:8443/p?x=%2A%2A%2A"),
        ("not a url", "not a url"),
    ],
)  # fmt: skip
def test_urls_lose_credentials_and_query_values(url, expected):
    assert outgoing.safe_url(url) == expected


def test_a_successful_call_is_recorded_with_the_request_id():
    token = request_context.set_context(request_context.RequestContext(request_id="req-42"))
    try:
        with outgoing.record(
            "camdigikey", "login-token", "post", "https://cdk.example/api?secret=s3cr3t"
        ) as call:
            call.status_code = 200
    finally:
        request_context.reset_context(token)
    row = OutgoingRequest.objects.get()
    assert (row.service, row.operation, row.method, row.status_code) == (
        "camdigikey",
        "login-token",
        "POST",
        200,
    )
    assert row.outcome == "ok" and row.request_id == "req-42" and row.duration_ms >= 0
    assert "s3cr3t" not in row.url


class Boom(Exception):
    code = 103


def test_an_exception_marks_the_call_failed_and_propagates():
    with pytest.raises(Boom), outgoing.record("bakong", "check", "GET", "https://bakong.example/x") as call:
        call.status_code = 502
        raise Boom("expired")
    row = OutgoingRequest.objects.get()
    assert (row.outcome, row.error_code, row.error_class, row.status_code) == ("error", "103", "Boom", 502)
    assert row.request_id == ""  # outside a request


def test_a_call_can_be_marked_failed_without_raising():
    with outgoing.record("verify", "register", "POST", "https://verify.example/") as call:
        call.fail("E42", "PartnerRefused")
    row = OutgoingRequest.objects.get()
    assert (row.outcome, row.error_code, row.error_class) == ("error", "E42", "PartnerRefused")


def test_a_logging_failure_never_breaks_the_call_or_the_transaction(monkeypatch):
    from django.db import DatabaseError

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(OutgoingRequest.objects, "create", broken)
    with transaction.atomic():
        with outgoing.record("camdigikey", "x", "GET", "https://x.example/") as call:
            call.status_code = 200
        with connection.cursor() as cursor:  # the caller's transaction is still usable
            cursor.execute("SELECT 1")


def test_the_back_office_shows_the_log_read_only(admin_client):
    with outgoing.record("camdigikey", "login-token", "POST", "https://cdk.example/") as call:
        call.status_code = 200
    row = OutgoingRequest.objects.get()
    assert admin_client.get(reverse("admin:esb_outgoingrequest_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:esb_outgoingrequest_change", args=[row.pk])).status_code == 200
    assert admin_client.get(reverse("admin:esb_outgoingrequest_add")).status_code == 403
    assert admin_client.post(reverse("admin:esb_outgoingrequest_delete", args=[row.pk])).status_code == 403
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:esb_outgoingrequest_changelist") in page  # the sidebar entry
