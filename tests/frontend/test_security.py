"""CSP: the header is on every page and nothing we render needs an inline script."""

import re

import pytest
from django.urls import reverse

from tests.frontend.html import Page

pytestmark = pytest.mark.django_db

_EVENT_HANDLER = re.compile(r"^on[a-z]+$")


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _assert_no_inline_script(html: str) -> None:
    page = Page(html)
    for script in page.all("script"):
        assert script.get("src"), f"inline <script> found: {script.text[:80]!r}"
        assert not script.text.strip()
    for element in page.elements:
        handlers = [name for name in element.attrs if _EVENT_HANDLER.match(name)]
        assert not handlers, f"<{element.tag}> has inline event handlers {handlers}"
        assert not (element.get("href") or "").lower().startswith("javascript:")


@pytest.mark.parametrize("path", ["/", "/?q=a", "/no-such-page/"])
@pytest.mark.parametrize("language", ["km", "en"])
def test_public_pages_have_a_strict_csp_and_no_inline_script(client_in, path, language):
    response = client_in(language).get(path)

    csp = _directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    _assert_no_inline_script(response.content.decode())
    assert "<style" not in response.content.decode(), "our pages need no inline <style> either"


def test_csrf_failure_page_has_no_inline_script(client_in):
    response = client_in("en", enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "km"})

    assert response.status_code == 403
    _assert_no_inline_script(response.content.decode())


def test_backoffice_alone_allows_eval_for_alpine(client):
    """unfold's Alpine.js evaluates x-data strings; only back-office pages may allow that."""
    backoffice = client.get(reverse("admin:login"))
    public = client.get(reverse("home"))

    assert "'unsafe-eval'" in _directives(backoffice)["script-src"]
    assert "'unsafe-inline'" not in _directives(backoffice)["script-src"]
    assert "'unsafe-eval'" not in _directives(public)["script-src"]
    _assert_no_inline_script(backoffice.content.decode())


def test_branding_stylesheet_is_same_origin_css(client):
    response = client.get(reverse("branding-css"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "public" in response["Cache-Control"]
    assert "Content-Security-Policy" in response
