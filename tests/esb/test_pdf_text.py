"""esb/pdf_text.py: each WeasyPrint text line carries its logical text as /ActualText, so shaped Khmer
(pre-base vowels drawn before their consonant, coeng subscripts as glyphs of their own) extracts exactly with
PDFium (pypdfium2, the engine of Chrome's PDF viewer). Also pins the WeasyPrint internals the wrapper relies
on: an upgrade that moves them fails here, not silently in the licences' text layer."""

from __future__ import annotations

import inspect
import io

import pypdf
import pypdfium2
import weasyprint
from weasyprint.draw import text as draw_text_module

from esb import pdf_text
from issuance.rendering import FONT_DIR

KHMER = "ក្រុមហ៊ុន ស្រីពេជ្រ ពាណិជ្ជកម្ម និង សេវាកម្ម ឯកជន ខេត្តសៀមរាប"
TRICKY = "ផ្ទះលេខ ១២៣ (ផ្លូវ) \\ ថ្ងៃ ខែធ្នូ"  # parentheses, a backslash, ៃ and ែ


def _pdf(body: str, css: str = "") -> bytes:
    font = (FONT_DIR / "NotoSansKhmer-Regular.ttf").as_uri()
    return weasyprint.HTML(
        string=(
            f'<html lang="km"><style>@font-face {{ font-family: K; src: url("{font}"); }}'
            f"body {{ font-family: K; }} {css}</style><body>{body}</body></html>"
        )
    ).write_pdf()


def extract(pdf: bytes) -> str:
    """The text PDFium extracts, whitespace runs made one space."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()


def test_the_hooked_weasyprint_function_is_still_there():
    # draw_text must look draw_first_line up in its module at each call (a global name, not a closure or an
    # attribute), and draw_first_line must keep its signature: the wrapper replaces it with the same one.
    assert "draw_first_line" in draw_text_module.draw_text.__code__.co_names
    original = inspect.unwrap(draw_text_module.draw_first_line)
    assert list(inspect.signature(original).parameters) == [
        "stream",
        "textbox",
        "text_overflow",
        "block_ellipsis",
        "matrix",
    ]
    assert callable(getattr(weasyprint.pdf.stream.Stream, "begin_marked_content", None))
    assert callable(getattr(weasyprint.pdf.stream.Stream, "end_marked_content", None))


def test_install_is_idempotent():
    pdf_text.install()
    wrapper = draw_text_module.draw_first_line
    pdf_text.install()
    assert pdf_text.installed()
    assert draw_text_module.draw_first_line is wrapper
    assert not getattr(wrapper.__wrapped__, "_esb_actual_text", False)  # wrapped once, not twice


def test_actual_text_is_utf16_hex_so_any_character_is_carried():
    assert bytes(pdf_text.actual_text("(ក)\\").data) == b"<</ActualText <FEFF002817800029005C>>>"


def test_khmer_extracts_exactly():
    pdf_text.install()
    pdf = _pdf(f"<p>{KHMER}</p><p>{TRICKY}</p><p>Latin stays Latin.</p>")
    text = extract(pdf)
    assert KHMER in text
    assert TRICKY in text
    assert "Latin stays Latin." in text
    contents = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert contents.count(b"/ActualText") == 3  # one span per line
    assert contents.count(b"BDC") == contents.count(b"EMC")


def test_an_ellipsis_line_draws_without_a_span():
    pdf_text.install()
    pdf = _pdf(
        f'<p class="cut">{KHMER} {KHMER}</p>',
        ".cut { width: 30mm; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    )
    contents = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"/ActualText" not in contents
    assert "ឯកជន" in extract(pdf)  # still drawn, with WeasyPrint's own glyph-to-text mapping
