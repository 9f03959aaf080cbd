"""Personal ⇒ not cacheable: every response to a logged-in person, and every response of an
`applicant_required` view, carries `Cache-Control: no-store, private`; public pages seen anonymously keep
their own caching. The URL configuration is walked, so a new view is covered without being listed."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from esb.access import APPLICANT
from tests.applications import factories
from tests.applications.conftest import (  # noqa: F401 (fixtures)
    applicant,
    business,
    free_service,
    owner,
)

pytestmark = pytest.mark.django_db

# The issue's list: each must be 200 *and* not cacheable for the logged-in applicant.
NAMED_PERSONAL_PAGES = (
    "/my-data/",
    "/my-data/consent/",
    "/notifications/",
    "/applications/{public_id}/submitted/",
    "/applications/{public_id}/payment/",
    "/applications/{public_id}/documents/{document_id}/",
    "/help/support/",
)


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern.callback


def _portal_routes():
    for route, namespace, view in _walk(get_resolver().url_patterns):
        if namespace == "admin" or (namespace or "").startswith("sandbox"):
            continue
        yield route, view


def _fill(route: str, values: dict) -> str:
    """A concrete path for a route: the applicant's own objects where the converter names them."""

    def value(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if name in values:
            return str(values[name])
        return {"int": "999999", "uuid": str(uuid.uuid4()), "slug": "x", "path": "x"}.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _assert_personal(response, url):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, (
        url,
        response.status_code,
        cache_control,
    )
    assert "public" not in cache_control, url


@pytest.fixture
def submitted(applicant, business, free_service):  # noqa: F811 (fixtures)
    application = factories.submitted(applicant, free_service, business)
    step = application.form_definition.steps.order_by("order").first()
    return {
        "public_id": application.public_id,
        "document_id": application.documents.first().pk,
        "code": free_service.code,
        "step": step.key,
    }


def test_every_url_is_not_cacheable_for_a_logged_in_person(client, applicant, submitted):  # noqa: F811
    client.force_login(applicant)
    checked = 0
    for route, _view in _portal_routes():
        url = _fill(route, submitted)
        _assert_personal(client.get(url), url)
        checked += 1
    assert checked > 20


def test_the_issues_pages_open_and_are_not_cacheable(client, applicant, submitted):  # noqa: F811
    client.force_login(applicant)
    for template in NAMED_PERSONAL_PAGES:
        url = template.format(**submitted)
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        _assert_personal(response, url)


def test_applicant_views_are_not_cacheable_even_when_answering_an_anonymous_visitor(client):
    applicant_routes = [
        route for route, view in _portal_routes() if getattr(view, "esb_access", "") == APPLICANT
    ]
    assert applicant_routes
    for route in applicant_routes:
        url = _fill(route, {})
        response = client.get(url)
        if response.status_code == 405:  # a POST-only view refused the method before anything was read
            continue
        _assert_personal(response, url)


def test_public_pages_keep_their_caching_for_anonymous_visitors(client):
    css = client.get("/branding.css")
    assert "public" in css["Cache-Control"] and "max-age=86400" in css["Cache-Control"]
    for url in ("/", "/services/", "/help/"):
        assert "no-store" not in client.get(url).get("Cache-Control", ""), url


def test_a_view_that_asks_for_public_caching_is_overruled_for_a_logged_in_person(client, applicant):  # noqa: F811
    client.force_login(applicant)
    _assert_personal(client.get("/branding.css"), "/branding.css")


def test_the_response_of_a_login_is_not_cacheable(client, applicant, monkeypatch):  # noqa: F811
    """The user appears during the request (CamDigiKey's callback): the middleware looks again after it."""
    from django.contrib.auth import login
    from django.http import HttpResponse

    from esb.middleware import AuditActorMiddleware

    def view(request):
        login(request, applicant, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponse("welcome")

    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.cache import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    _assert_personal(AuditActorMiddleware(view)(request), "login")
