"""Error pages: friendly, in the user's language, never technical, and the 500 page needs no database."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from esb import views
from tests.frontend.html import Page

TECHNICAL = ("Traceback", "RuntimeError", "internal reason", "secret stack detail", "SuspiciousOperation")


def _assert_friendly(response, status: int, language: str) -> Page:
    body = response.content.decode()
    assert response.status_code == status
    for word in TECHNICAL:
        assert word not in body
    page = Page(body)
    assert page.one("html").get("lang") == language
    assert page.all("h1"), "an error page says what happened in a heading"
    assert page.by_id("main").tag == "main"
    assert any(a.get("href") == "/" for a in page.all("a")), "an error page offers a way back"
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["km", "en"])
def test_unknown_url_gives_the_friendly_404(client_in, language):
    response = client_in(language).get("/no-such-page/?x=1")

    page = _assert_friendly(response, 404, language)
    # the language switch is there and brings the user back to the same (missing) page
    assert page.one("input", name="next").get("value") == "/no-such-page/?x=1"


@pytest.mark.django_db
@pytest.mark.urls("tests.frontend.urls_errors")
def test_permission_denied_gives_the_friendly_403(client_in):
    _assert_friendly(client_in("en").get("/test-errors/403/"), 403, "en")


@pytest.mark.django_db
@pytest.mark.urls("tests.frontend.urls_errors")
def test_bad_request_gives_the_friendly_400(client_in):
    _assert_friendly(client_in("km").get("/test-errors/400/"), 400, "km")


@pytest.mark.django_db
@pytest.mark.urls("tests.frontend.urls_errors")
def test_uncaught_exception_gives_the_friendly_500(client_in):
    client = client_in("en", raise_request_exception=False)

    response = client.get("/test-errors/500/", HTTP_X_REQUEST_ID="req-123")

    page = _assert_friendly(response, 500, "en")
    assert "req-123" in response.content.decode(), "the reference to quote to support"
    # the message is repeated in the other language, marked as such
    assert [e.get("lang") for e in page.with_class("esb-error__other-language")] == ["km"]


def test_500_handler_renders_without_database_or_context_processors(monkeypatch):
    """No django_db mark: any database query here fails the test."""

    def explode(request):
        raise AssertionError("the 500 page must not run context processors")

    monkeypatch.setattr("esb.context_processors.branding", explode)
    request = RequestFactory().get("/anything")
    request.request_id = "abc123"

    response = views.server_error(request)

    assert response.status_code == 500
    body = response.content.decode()
    assert "abc123" in body
    assert settings.ESB_BRANDING["SUPPORT_EMAIL"] in body
    assert "<script" not in body


def test_500_handler_still_answers_when_its_template_breaks(monkeypatch):
    def broken(name):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(views.loader, "get_template", broken)

    response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b"500" in response.content
    assert b"template engine down" not in response.content


@pytest.mark.django_db
def test_csrf_failure_page_is_friendly_and_hides_the_reason(client_in):
    client = client_in("en", enforce_csrf_checks=True)

    response = client.post("/i18n/setlang/", {"language": "km", "next": "/"})

    assert response.status_code == 403
    body = response.content.decode()
    assert "CSRF" not in body and "Referer" not in body
    page = Page(body)
    assert page.one("html").get("lang") == "en"
    assert page.all("h1")
