"""Every URL of the portal says who may open it: a view without an explicit access marker
(`esb.access.public`, `esb.access.applicant_required`, `esb.access.officer_required` or
`esb.access.signed_request`, or `ORGANIZATION_TOKEN` set by the Part 5 API's base view) fails this test.
The back-office is the admin site, whose views check permissions themselves."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from esb.access import APPLICANT, OFFICER, ORGANIZATION_TOKEN, PUBLIC, SIGNED


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern.callback


def test_every_view_has_an_explicit_access_marker():
    unmarked = []
    for route, namespace, view in _walk(get_resolver().url_patterns):
        if namespace == "admin":
            continue
        if getattr(view, "esb_access", None) not in (PUBLIC, APPLICANT, OFFICER, SIGNED, ORGANIZATION_TOKEN):
            unmarked.append(f"/{route} ({view.__module__}.{getattr(view, '__name__', view)})")
    assert not unmarked, "views without an access marker:\n" + "\n".join(unmarked)


def test_only_signed_callbacks_are_csrf_exempt_outside_the_sandbox():
    exempt = [
        f"/{route}"
        for route, namespace, view in _walk(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
        and not route.startswith("sandbox/")
        and route != "health"  # probes send no token; it answers only GET and HEAD
        and getattr(view, "esb_access", None) not in (SIGNED, ORGANIZATION_TOKEN)
    ]
    assert not exempt, "CSRF-exempt views that verify no signature:\n" + "\n".join(exempt)


def test_applicant_views_send_anonymous_visitors_to_login(client):
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/portal/")
