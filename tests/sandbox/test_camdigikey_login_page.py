"""The simulated CamDigiKey login page (what `loginUrl` shows): QR code, a searchable identity list with one
Approve button per identity, cancel."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import qrcode
import qrcode.image.svg
from django.test import Client
from django.utils import timezone, translation

from sandbox.camdigikey.models import AuthCode, LoginToken
from tests.sandbox.conftest import login_path


@pytest.fixture
def login(api):
    return api.login_token(callbackVars={"next": "/applications/", "authToken": "must-not-win"})


def test_the_page_shows_a_real_qr_code_and_the_identities(client, login):
    response = client.get(login["loginUrl"])
    assert response.status_code == 200
    html = response.content.decode()
    data_url = re.search(r'src="data:image/svg\+xml;base64,([^"]+)" [^>]*data-testid="camdigikey-qr"', html)
    assert data_url, "the QR code is an inline data: URL (allowed by the CSP)"
    svg = base64.b64decode(data_url.group(1)).decode()
    expected = qrcode.make(
        f"camdigikey://login?token={quote(login['loginToken'])}",
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=8,
        border=2,
    ).to_string(encoding="unicode")
    assert svg == expected  # the QR encodes the app deep link with the login token
    for testid in (
        "identity-OFF-MOC-001",
        "identity-010234567",
        "approve-OFF-MOC-001",
        "approve-010234567",
        "cancel",
    ):
        assert f'data-testid="{testid}"' in html
    assert "សុខ ដារ៉ា" in html and "Sok Dara" in html  # Khmer and English names
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize("language", ["km", "en"])
def test_the_page_renders_in_both_languages(client, login, language):
    client.cookies["django_language"] = language
    response = client.get(login["loginUrl"])
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()


def _post(client, login, **data):
    token = parse_qs(urlsplit(login["loginUrl"]).query)["token"][0]
    return client.post(login_path(), {"token": token, **data})


def test_approve_redirects_to_the_success_callback_with_a_single_use_auth_token(client, login, seeded):
    response = _post(client, login, identity="OFF-MOC-001", action="approve")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == seeded.success_url
    query = parse_qs(location.query)
    assert query["next"] == ["/applications/"]
    assert query["authToken"][0] != "must-not-win" and query["authToken"][0].count(".") == 2
    code = AuthCode.objects.get()
    assert code.identity.personal_code == "OFF-MOC-001" and code.used_at is None
    assert (code.expires_at - timezone.now()).total_seconds() == pytest.approx(120, abs=5)
    # the login token is spent: a second approval is refused with a clear page
    again = _post(client, login, identity="OFF-MOC-001", action="approve")
    assert again.status_code == 410 and 'data-problem="used"' in again.content.decode()
    assert AuthCode.objects.count() == 1


def test_cancel_redirects_to_the_error_callback(client, login, seeded):
    response = _post(client, login, action="cancel")
    assert response.status_code == 302
    assert response["Location"].startswith(seeded.error_url + "?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["errorCode"] == ["USER_CANCELLED"] and query["errorMessage"]
    assert client.get(login["loginUrl"]).status_code == 410


def test_approving_without_choosing_a_person_shows_an_error(client, login):
    response = _post(client, login, action="approve")
    assert response.status_code == 400
    assert 'data-testid="camdigikey-error"' in response.content.decode()
    assert LoginToken.objects.get().used_at is None


def test_an_expired_login_token_shows_a_clear_page(client, login):
    LoginToken.objects.update(expires_at=timezone.now())
    response = client.get(login["loginUrl"])
    assert response.status_code == 410 and 'data-problem="expired"' in response.content.decode()
    assert _post(client, login, identity="010234567", action="approve").status_code == 410


@pytest.mark.parametrize("query", ["", "?token=", "?token=a.b.c", "?token=not-a-token"])
def test_an_invalid_login_link_shows_a_clear_page(client, db, query):
    response = client.get(login_path() + query)
    assert response.status_code == 400 and 'data-problem="invalid"' in response.content.decode()


def test_the_approve_form_needs_the_csrf_token(login):
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, login, identity="010234567", action="approve").status_code == 403
    assert not AuthCode.objects.exists()


def test_the_real_query_name_login_token_is_accepted_too(client, login):
    token = parse_qs(urlsplit(login["loginUrl"]).query)["token"][0]
    assert client.get(f"{login_path()}?loginToken={token}").status_code == 200


class _Rows(HTMLParser):
    """The identity rows of the page in order: personal code → shown (not `hidden`)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, bool] = {}
        self.order: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        testid = attributes.get("data-testid") or ""
        if tag == "li" and testid.startswith("identity-"):
            self.rows[testid.removeprefix("identity-")] = "hidden" not in attributes
        if testid.startswith("approve-") or testid == "camdigikey-qr" or testid == "identity-search":
            self.order.append(testid)


def _rows(html: str) -> _Rows:
    parser = _Rows()
    parser.feed(html)
    return parser


def _search(client, login, query: str):
    return client.get(f"{login['loginUrl']}&q={quote(query)}")


def _count(shown: int, total: int = 40) -> str:
    """The "N of M identities shown" line as the page writes it (in Khmer: no language chosen)."""
    with translation.override("km"):
        text = translation.gettext("%(shown)s of %(total)s identities shown")
    return text % {"shown": shown, "total": total}


def _shown(html: str) -> set[str]:
    return {code for code, shown in _rows(html).rows.items() if shown}


def test_every_identity_has_its_own_approve_button_within_the_first_screen(client, login):
    html = client.get(login["loginUrl"]).content.decode()
    rows = _rows(html)
    assert len(rows.rows) == 40 and all(rows.rows.values())  # no search: everyone shown
    assert sum(o.startswith("approve-") for o in rows.order) == 40
    # In the page's order (a phone shows it top to bottom): the search, then the first Approve, and only
    # then the QR code (a phone cannot scan its own screen).
    assert rows.order[0] == "identity-search" and rows.order[1].startswith("approve-OFF-")
    assert rows.order.index("camdigikey-qr") > 40
    assert 'class="col-12 col-md-7 order-md-2"' in html  # the picker goes right of the QR from tablets on


def test_one_tap_on_a_row_approves_as_that_person(client, login, seeded):
    response = _post(client, login, identity="010234567")  # the row's own button: no separate action
    assert response.status_code == 302 and response["Location"].startswith(seeded.success_url)
    assert AuthCode.objects.get().identity.personal_code == "010234567"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pharma", {"010456712", "010998877", "120667788"}),  # a business: its owner and representative
        ("dara sok", {"010234567", "OFF-MOC-001"}),  # words in any order, officers too
        ("សុខ ដារ៉ា", {"010234567", "OFF-MOC-001"}),  # Khmer
        ("C4821937", {"C4821937"}),  # an identity number
        ("ministry of tourism", {"OFF-MOT-001"}),  # an officer's post
    ],
)
def test_the_search_works_without_javascript(client, login, query, expected):
    response = _search(client, login, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert _shown(html) == expected
    assert _count(len(expected)) in html
    assert f'value="{query}"' in html  # the box keeps what was typed
    assert 'data-testid="identity-none" hidden' in html


def test_a_search_without_match_says_so(client, login):
    html = _search(client, login, "nobody-at-all").content.decode()
    assert _shown(html) == set()
    assert 'data-testid="identity-none">' in html and _count(0) in html


def test_no_stray_separator_when_a_name_has_no_khmer_part(client, login):
    html = _search(client, login, "C4821937").content.decode()
    row = html[html.index('data-testid="identity-C4821937"') :]
    row = row[: row.index("</li>")]
    assert '<span class="cdk-identity__name"><span lang="en">Nguyen Thi Lan</span></span>' in row
    assert "· <span" not in row.split("cdk-identity__name", 1)[1].split("</span></span>", 1)[0]
    khmer = _search(client, login, "010234567").content.decode()
    assert '<span lang="km">សុខ ដារ៉ា</span> · <span lang="en">Sok Dara</span>' in khmer


def test_the_search_is_kept_when_the_page_shows_an_error(client, login):
    response = _post(client, login, action="approve", q="pharma")
    assert response.status_code == 400
    assert _shown(response.content.decode()) == {"010456712", "010998877", "120667788"}
