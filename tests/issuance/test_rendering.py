"""The licence PDF: Khmer first then English, the Khmer font embedded, a long Khmer name and address carried
exactly (in the text layer, extracted by PDFium, and in the attached data), the QR code decoding (zxing-cpp,
an independent reader) to the verification URL printed under it, A4 and PDF/A-3b; a ministry's template used
for its type, and refused when it reaches for what it may not."""

from __future__ import annotations

import io
import json

import pypdf
import pypdfium2
import pytest
import zxingcpp

from issuance import rendering
from issuance.models import LicenceTemplate
from tests.applications import factories as application_factories
from tests.issuance import factories

pytestmark = pytest.mark.django_db

LONG_NAME_KM = "ក្រុមហ៊ុន ស្រីស្រស់ អន្តរជាតិ ពាណិជ្ជកម្ម និង សេវាកម្មដឹកជញ្ជូនទំនិញឆ្លងព្រំដែន ឯ.ក"
LONG_ADDRESS_KM = "ផ្ទះលេខ ១២៣ ផ្លូវព្រះមុនីវង្ស ភូមិ១ សង្កាត់ស្រះចក ខណ្ឌដូនពេញ រាជធានីភ្នំពេញ"
VERIFY_URL = "https://verify.test/verify/AbCdEfGhIjKlMnOpQrStUvWxYz012345?key=" + "a1" * 32


def _licence(applicant, service, business, team):
    licence = factories.LicenceFactory(
        application=application_factories.draft(applicant, service, business),
        valid=True,
        verification_url=VERIFY_URL,
        holder_name_km=LONG_NAME_KM,
        holder_name_en="Srey Sros International Trading and Cross-Border Freight Services Sole Prop.",
        conditions_km="ត្រូវបង្ហាញអាជ្ញាប័ណ្ណនៅកន្លែងអាជីវកម្ម។",
        conditions_en="Display the licence at the place of business.",
        particulars={
            "owners": [{"name_km": "សុខ ស្រីស្រស់", "name_en": "SOK Sreysros"}],
            "address": {"km": LONG_ADDRESS_KM, "en": "No. 123, Preah Monivong Blvd, Phnom Penh"},
            "activity": {"code": "4711", "title_km": "ការលក់រាយ", "title_en": "Retail sale"},
            "institution": {"name_km": "ក្រសួងពាណិជ្ជកម្ម", "name_en": "Ministry of Commerce"},
            "licence_type": {"code": service.code, "name_km": service.name_km},
            "licence_type_en": service.name_en,
            "approver": {
                "name_km": "ចាន់ សុភា",
                "name_en": "CHAN Sophea",
                "title_km": "នាយក",
                "title_en": "Director",
            },
        },
    )
    return licence


@pytest.fixture
def rendered(applicant, service, business, team):
    licence = _licence(applicant, service, business, team)
    return licence, pypdf.PdfReader(io.BytesIO(rendering.render_licence(licence)))


def _pdfium_text(pdf: bytes) -> str:
    """The text PDFium (pypdfium2, which honours /ActualText) extracts, whitespace runs made one space."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()


def test_the_khmer_text_layer_extracts_exactly(applicant, service, business, team):
    licence = _licence(applicant, service, business, team)
    text = _pdfium_text(rendering.render_licence(licence))
    # Subscripts (្រ ្ជ ្ម), pre-base vowels (េ ែ ៃ) and Khmer digits, exactly as stored, in print order.
    for khmer in (
        LONG_NAME_KM,
        LONG_ADDRESS_KM,
        "ក្រសួងពាណិជ្ជកម្ម",
        "ត្រូវបង្ហាញអាជ្ញាប័ណ្ណនៅកន្លែងអាជីវកម្ម។",
        "សុខ ស្រីស្រស់",
        rendering.date_km(licence.valid_from),
    ):
        assert khmer in text
    assert text.index(LONG_NAME_KM) < text.index("Srey Sros International Trading")
    assert licence.number in text and VERIFY_URL in text.replace(" ", "")


def test_the_khmer_round_trips_and_the_font_is_embedded(rendered):
    licence, reader = rendered
    page = reader.pages[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-Khmer" in name for name in fonts)
    # The PDF/A-3 data file carries every printed particular exactly, Khmer included.
    data = json.loads(reader.attachments[rendering.DATA_FILE_NAME][0])
    assert data["holder"]["name_km"] == LONG_NAME_KM
    assert data["address"]["km"] == LONG_ADDRESS_KM
    assert data["number"] == licence.number
    assert data["verify_url"] == VERIFY_URL
    # The text layer: the English parts exactly; Khmer text is there, first (before its English).
    text = page.extract_text()
    flat = text.replace("\n", " ")
    assert licence.number in flat
    assert "Srey Sros International Trading" in flat
    assert "Ministry of Commerce" in flat and "Display the licence at the place of business." in flat
    khmer = [ch for ch in text if "\u1780" <= ch <= "\u17ff"]
    assert len(khmer) > len(LONG_NAME_KM)
    assert text.index("ព្រះរាជាណាចក្រកម្ពុជា"[:3]) < text.index("Kingdom of Cambodia")


def test_the_qr_code_decodes_to_the_verification_url_printed_under_it(rendered):
    _licence, reader = rendered
    page = reader.pages[0]
    decoded = [code.text for image in page.images for code in zxingcpp.read_barcodes(image.image)]
    assert decoded == [VERIFY_URL]
    assert VERIFY_URL in page.extract_text().replace("\n", "")


def test_a4_and_pdf_a(rendered):
    _licence, reader = rendered
    assert len(reader.pages) == 1  # a long Khmer name and address still fit one A4 page
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "pdfaid:part" in metadata and "3" in metadata
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_the_ministry_template_of_the_type_is_used_and_escapes_the_data(applicant, service, business, team):
    LicenceTemplate.objects.create(
        licence_type=service,
        html="<h1>Ministry layout</h1><p>{{ holder.name_en }}</p><p>{{ number }}</p>",
        css="h1 { color: #800; }",
    )
    licence = _licence(applicant, service, business, team)
    licence.holder_name_en = "<b>Bold & Co</b>"
    text = pypdf.PdfReader(io.BytesIO(rendering.render_licence(licence))).pages[0].extract_text()
    assert "Ministry layout" in text
    assert "<b>Bold & Co</b>" in text  # printed as text, not taken as markup
    assert licence.number in text


@pytest.mark.parametrize(
    "html",
    [
        "{% include 'issuance/licence_pdf_default.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% load static %}{% static 'x' %}",
        "{% if %}",
        "{{ number|no_such_filter }}",
    ],
)
def test_templates_that_reach_further_are_refused(html):
    with pytest.raises(rendering.TemplateRefused):
        rendering.compile_template(html)


def test_a_template_cannot_load_files_or_hosts():
    fetcher = rendering._data_only_fetcher()
    for url in (
        "file:///etc/passwd",
        (rendering.FONT_DIR / "NotoSansKhmer-Regular.ttf").as_uri(),  # even the fonts: they are inlined
        "http://169.254.169.254/latest/",
        "https://example.com/x.png",
        "FILE:///etc/passwd",
        " data:text/plain,x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,eA==").read() == b"x"
    # A template that tries anyway still renders, without the resource (test_template_sandbox.py covers
    # every way in).
    pdf = rendering.render_pdf(
        '<img src="file:///etc/passwd"><p style="background: url(http://127.0.0.1:9/x)">{{ number }}</p>',
        "@import url('file:///etc/passwd');",
        {"number": "X-1"},
    )
    assert "X-1" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_khmer_dates():
    import datetime

    assert rendering.date_km(datetime.date(2026, 12, 4)) == "ថ្ងៃទី០៤ ខែធ្នូ ឆ្នាំ២០២៦"
    assert rendering.date_en(datetime.date(2026, 12, 4)) == "4 December 2026"
