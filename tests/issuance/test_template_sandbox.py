"""A ministry's licence template cannot make WeasyPrint read a local file or call a host, whatever the
spelling of the URL (`%2e%2e`, `..`, `file://localhost/`, a percent-encoded slash, a symlink, a `<base href>`)
and whatever carries it (`<img>`, `<link rel=attachment>`, `<a rel=attachment>`, `<object>`, `<embed>`, CSS
`@import`, `url()` in a background or a `@font-face`, SVG `<image>`, a stylesheet link). Each hostile template
still renders, and the PDF holds neither the file's bytes nor any attachment but licence.json; the vendored
Khmer font and the CamDX logo still load (they are inlined as `data:` URIs)."""

from __future__ import annotations

import io
import logging
import os
import socket
from pathlib import Path
from urllib.parse import urljoin

import pypdf
import pytest
from weasyprint.urls import iri_to_uri

from issuance import rendering

TOKEN = "ESB-SANDBOX-SECRET-4f1c9a7e"
DEPTH = "%2e%2e/" * 14
DOTS = "../" * 14


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(TOKEN)
    (tmp_path / "link.txt").symlink_to(path)
    return path


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("the test forbids connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def _hostile_urls(secret: Path) -> list[str]:
    path = str(secret)
    fonts = rendering.FONT_DIR.as_uri()
    static = (rendering.STATIC_DIR / "issuance").as_uri()
    return [
        f"file://{path}",
        f"file://localhost{path}",
        f"FILE://{path}",
        f"file://{path.replace('/', '%2f')}",
        f"file://{secret.parent / 'link.txt'}",  # a symlink to the secret
        f"{fonts}/{DEPTH}{path.lstrip('/')}",  # %2e%2e, absolute (the reported file:///…/%2e%2e/… form)
        f"{static}/{DEPTH}{path.lstrip('/')}",
        f"{fonts}/{DOTS}{path.lstrip('/')}",
        f"{DEPTH}{path.lstrip('/')}",  # %2e%2e, relative (resolved against the <base href> below)
        f"{DOTS}{path.lstrip('/')}",
        f"{DEPTH}proc/self/environ",
        "file:///etc/hostname",
        "file://localhost/etc/hostname",
        "http://127.0.0.1:6379/",
        "https://127.0.0.1:6379/",
        "ftp://127.0.0.1:6379/x",
    ]


# (HTML, CSS) carrying one URL: every way WeasyPrint fetches something.
CARRIERS = {
    "img": ('<img src="{u}" alt="">', ""),
    "link_attachment": ('<link rel="attachment" href="{u}">', ""),
    "a_attachment": ('<a rel="attachment" href="{u}">file</a>', ""),
    "object": ('<object data="{u}" type="text/plain"></object>', ""),
    "embed": ('<embed src="{u}">', ""),
    "stylesheet": ('<link rel="stylesheet" href="{u}">', ""),
    "css_import": ("", '@import url("{u}");'),  # ignored: the ministry's CSS follows the @font-face rules
    "style_import": ('<style>@import url("{u}");</style>', ""),
    "css_background": ("<p style=\"background: url('{u}')\">x</p>", 'body {{ background: url("{u}"); }}'),
    "font_face": ("", '@font-face {{ font-family: Leak; src: url("{u}"); }} p {{ font-family: Leak; }}'),
    "svg_image": ('<svg width="20" height="20"><image href="{u}" width="20" height="20"/></svg>', ""),
}


def _pdf_bytes(pdf: bytes) -> tuple[pypdf.PdfReader, bytes]:
    """The reader and every byte of the PDF, streams decompressed (attachments are compressed streams)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    chunks = [pdf]
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:  # a free object number
            continue
        if isinstance(obj, pypdf.generic.StreamObject):
            chunks.append(obj.get_data())
    return reader, b"\n".join(chunks)


def _markers(secret: Path) -> list[bytes]:
    markers = [TOKEN.encode()]
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    if len(hostname) >= 6:
        markers.append(hostname.encode())
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if len(os.environ.get(name, "")) >= 12:
            markers.append(os.environ[name].encode())
    return markers


def _assert_nothing_leaked(pdf: bytes, secret: Path) -> pypdf.PdfReader:
    reader, everything = _pdf_bytes(pdf)
    assert set(reader.attachments) == {rendering.DATA_FILE_NAME}
    for page in reader.pages:
        annotations = [a.get_object() for a in page.get("/Annots") or []]
        assert not [a for a in annotations if a.get("/Subtype") == "/FileAttachment"]
        assert not page.images
    for marker in _markers(secret):
        assert marker not in everything
    return reader


@pytest.fixture
def refused(monkeypatch):
    """The URLs the fetcher refused during the test (proof that each one was tried, and refused)."""
    urls = []
    make = rendering._data_only_fetcher

    def spying_fetcher():
        fetcher = make()
        fetch = fetcher.fetch

        def spy(url, headers=None):
            try:
                return fetch(url, headers)
            except ValueError:
                urls.append(url)
                raise

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr(rendering, "_data_only_fetcher", spying_fetcher)
    return urls


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_no_url_reaches_a_file_or_a_host(carrier, secret, no_network, refused):
    html, css = CARRIERS[carrier]
    urls = _hostile_urls(secret)
    # The <base href> makes relative references resolve to file: URLs in the font directory, as the old
    # base_url did: the worst case for `%2e%2e/` and `../`.
    base = f"{rendering.FONT_DIR.as_uri()}/"
    body = f'<base href="{base}"><p>{{{{ number }}}}</p>'
    body += "".join(html.format(u=url) for url in urls)
    styles = "\n".join(css.format(u=url) for url in urls)
    pdf = rendering.render_pdf(body, styles, {"number": "X-1"})
    reader = _assert_nothing_leaked(pdf, secret)
    assert "X-1" in reader.pages[0].extract_text()
    assert no_network == []
    if carrier != "css_import":
        # Every URL was tried (as WeasyPrint resolves it against the <base href>) and refused, none skipped.
        tried = {iri_to_uri(urljoin(base, url)) for url in urls}
        assert tried <= set(refused)


def test_the_reported_exploit_attaches_nothing(secret, no_network):
    """The review's payload: relative `%2e%2e` to /proc/self/environ, and the static-dir file: URL."""
    static = (rendering.STATIC_DIR / "issuance").as_uri()
    html = (
        f'<link rel="attachment" href="{DEPTH}proc/self/environ">'
        f'<link rel="attachment" href="{static}/{DEPTH}etc/hostname">'
        f'<link rel="attachment" href="{DEPTH}{str(secret).lstrip("/")}">'
        "<p>{{ number }}</p>"
    )
    _assert_nothing_leaked(rendering.render_pdf(html, "", {"number": "X-1"}), secret)


@pytest.mark.parametrize("url_index", range(16))
def test_the_fetcher_refuses_every_spelling(url_index, secret, no_network):
    url = _hostile_urls(secret)[url_index]
    with pytest.raises(ValueError, match="may not load"):
        rendering._data_only_fetcher().fetch(url)
    assert no_network == []


def test_the_khmer_font_and_the_logo_still_load(caplog):
    logo = rendering._data_uri(rendering.CAMDX_LOGO.read_bytes(), "image/svg+xml")
    context = {"number": "X-1", "camdx_logo": logo}
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = rendering.render_pdf(
            '<p>ព្រះរាជាណាចក្រកម្ពុជា {{ number }}</p><img src="{{ camdx_logo }}" alt="">', "", context
        )
    assert "may not load" not in caplog.text and "Failed" not in caplog.text
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-Khmer" in name for name in fonts)
    assert "CamDX" in page.extract_text()  # the logo's SVG text is drawn
    assert set(reader.attachments) == {rendering.DATA_FILE_NAME}
