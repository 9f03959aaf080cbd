"""The licence PDF: the licence type's template (HTML and CSS a ministry edits in the back-office, or the
portal's default) rendered with WeasyPrint, Khmer first, then English.

A ministry's template is a Django template *string from the database*, so it is treated as untrusted:

- it is compiled by an engine of its own with no template loader and no tag library (`{% include %}`,
  `{% extends %}` find nothing, `{% load %}` finds nothing) and `{% debug %}` is refused;
- it is given a plain context of strings, lists and dicts (`licence_context`): no model instance, so no method
  that reads further or writes can be reached from it;
- its parser refuses what would print unescaped text or exhaust the worker (issuance/template_sandbox.py);
- WeasyPrint fetches nothing but `data:` URIs (`_DataOnlyFetcher`; the fonts and logo are inlined as
  `data:` URIs, there is no base URL), so a template cannot make the worker read local files or call hosts.

Pango and HarfBuzz shape Khmer with the vendored Noto Sans Khmer TTF files (SIL Open Font License 1.1, see
static/vendor/fonts/noto-sans-khmer/ttf/OFL.txt): stacked consonants and vowels come out as in a browser.
Every text line carries its logical characters as `/ActualText` (esb/pdf_text.py), so the Khmer extracts
exactly from readers that honour it, whatever order the shaped glyphs are drawn in.
"""

from __future__ import annotations

import base64
import datetime
import functools
import io
import json
import mimetypes
from pathlib import Path

import qrcode
from django.conf import settings
from django.template import Context, TemplateSyntaxError
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from esb import pdf_text
from issuance.models import Licence, LicenceTemplate
from issuance.template_sandbox import TemplateRefused, parse

STATIC_DIR = Path(settings.BASE_DIR) / "static"
FONT_DIR = STATIC_DIR / "vendor" / "fonts" / "noto-sans-khmer" / "ttf"
CAMDX_LOGO = STATIC_DIR / "issuance" / "camdx-logo.svg"
DEFAULT_HTML = Path(settings.BASE_DIR) / "templates" / "issuance" / "licence_pdf_default.html"
DEFAULT_CSS = Path(settings.BASE_DIR) / "templates" / "issuance" / "licence_pdf_default.css"
MAX_TEMPLATE_CHARS = 100_000
MAX_EMBLEM_BYTES = 1024 * 1024
# PDF/A-3b: archival PDF (fonts embedded, colour profile, metadata). WeasyPrint makes it with these fonts.
PDF_VARIANT = "pdf/a-3b"
DATA_FILE_NAME = "licence.json"
_IMAGES = ("qr_code", "emblem", "camdx_logo")

_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_KHMER_MONTHS = (
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
)


def compile_template(html: str):
    """The compiled template, or TemplateRefused with a message for the person who wrote it."""
    if len(html) > MAX_TEMPLATE_CHARS:
        raise TemplateRefused(
            _("The template is too long (at most %(count)s characters).") % {"count": MAX_TEMPLATE_CHARS}
        )
    try:
        return parse(html)
    except TemplateSyntaxError as error:
        raise TemplateRefused(
            _("The template has an error: %(error)s") % {"error": str(error)[:300]}
        ) from error


# --- the context ------------------------------------------------------------------------------------------


def date_km(day: datetime.date | None) -> str:
    """`ថ្ងៃទី០៤ ខែធ្នូ ឆ្នាំ២០២៦`: Khmer digits and month names, whatever the active language."""
    if day is None:
        return ""
    return f"ថ្ងៃទី{day.day:02d} ខែ{_KHMER_MONTHS[day.month - 1]} ឆ្នាំ{day.year}".translate(_KHMER_DIGITS)


def date_en(day: datetime.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def qr_png(url: str) -> bytes:
    """The verification QR code (error correction M, 4-module quiet zone) as a PNG."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _emblem_uri(template: LicenceTemplate | None) -> str:
    if template is None or not template.emblem:
        return ""
    name = template.emblem.name
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        with template.emblem.open("rb") as handle:
            content = handle.read(MAX_EMBLEM_BYTES + 1)
    except OSError:
        return ""  # a missing file must not stop the issuance: the licence prints without the emblem
    return _data_uri(content, mime) if len(content) <= MAX_EMBLEM_BYTES else ""


def licence_context(licence: Licence, template: LicenceTemplate | None = None) -> dict:
    """The variables a licence template may use (docs/issuance.md lists them): strings, lists and dicts
    only. `licence` must be numbered and registered (the QR prints its verification URL)."""
    particulars = licence.particulars or {}
    institution = particulars.get("institution") or {}
    licence_type = particulars.get("licence_type") or {}
    approver = particulars.get("approver") or {}
    address = particulars.get("address") or {}
    activity = particulars.get("activity") or {}
    verify_url = licence.verification_url
    # Rendered just before activation: the day it is issued (a local date), or the day it was issued.
    issued_on = timezone.localdate(licence.issued_at) if licence.issued_at else timezone.localdate()
    return {
        "number": licence.number,
        "version": licence.version,
        "is_amendment": licence.version > 1,
        "application_reference": particulars.get("application_reference", ""),
        "institution": {
            "name_km": institution.get("name_km", ""),
            "name_en": institution.get("name_en", ""),
            "abbreviation_en": institution.get("abbreviation_en", ""),
        },
        "licence_type": {
            "code": licence_type.get("code", ""),
            "name_km": licence_type.get("name_km", ""),
            "name_en": particulars.get("licence_type_en", ""),
        },
        "holder": {
            "name_km": licence.holder_name_km,
            "name_en": licence.holder_name_en,
            "single_id": licence.single_id,
        },
        "owners": [
            {"name_km": o.get("name_km", ""), "name_en": o.get("name_en", "")}
            for o in particulars.get("owners") or []
        ],
        "activity": {
            "code": activity.get("code", ""),
            "title_km": activity.get("title_km", ""),
            "title_en": activity.get("title_en", ""),
        },
        "address": {"km": address.get("km", ""), "en": address.get("en", "")},
        "valid_from": licence.valid_from.isoformat(),
        "valid_from_km": date_km(licence.valid_from),
        "valid_from_en": date_en(licence.valid_from),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else "",
        "valid_until_km": date_km(licence.valid_until),
        "valid_until_en": date_en(licence.valid_until),
        "expires": licence.valid_until is not None,
        "conditions_km": [line for line in licence.conditions_km.splitlines() if line.strip()],
        "conditions_en": [line for line in licence.conditions_en.splitlines() if line.strip()],
        "approver": {
            "name_km": approver.get("name_km", "") or licence.approver_name,
            "name_en": approver.get("name_en", ""),
            "title_km": approver.get("title_km", "") or licence.approver_title,
            "title_en": approver.get("title_en", ""),
        },
        "issued_on_km": date_km(issued_on),
        "issued_on_en": date_en(issued_on),
        "verify_url": verify_url,
        "qr_code": _data_uri(qr_png(verify_url), "image/png") if verify_url else "",
        "emblem": _emblem_uri(template),
        "camdx_logo": _data_uri(CAMDX_LOGO.read_bytes(), "image/svg+xml"),
    }


# --- the PDF --------------------------------------------------------------------------------------------


_DATA_SCHEME = "data:"


def _data_only_fetcher():
    from weasyprint.urls import URLFetcher

    class _DataOnlyFetcher(URLFetcher):
        """Only `data:` URIs, which carry their bytes inside the document: a template cannot make the worker
        read a local file (whatever its spelling: `..`, `%2e%2e`, `file://localhost/`, a `<base href>`) or
        call a host. The fonts, the CamDX logo, the QR code and the emblem are all inlined as `data:` URIs,
        so nothing the licence needs is refused."""

        def fetch(self, url, headers=None):
            if not url[: len(_DATA_SCHEME)].lower() == _DATA_SCHEME:
                raise ValueError(f"a licence template may not load {url[:80]!r}")
            return super().fetch(url, headers)

    # allowed_protocols is a second lock: WeasyPrint's own check refuses any other scheme too.
    return _DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)


@functools.cache
def _font_uri(name: str) -> str:
    return _data_uri((FONT_DIR / name).read_bytes(), "font/ttf")


def _fonts_css() -> str:
    regular = _font_uri("NotoSansKhmer-Regular.ttf")
    bold = _font_uri("NotoSansKhmer-Bold.ttf")
    return (
        f'@font-face {{ font-family: "Noto Sans Khmer"; font-weight: 400; src: url("{regular}"); }}\n'
        f'@font-face {{ font-family: "Noto Sans Khmer"; font-weight: 700; src: url("{bold}"); }}\n'
        "@page { size: A4; margin: 12mm 15mm; }\n"
        'body { font-family: "Noto Sans Khmer", sans-serif; }\n'
    )


def template_source(template: LicenceTemplate | None) -> tuple[str, str]:
    """(HTML, CSS) of `template`, or the portal's default when the type has none."""
    if template is not None and template.html.strip():
        return template.html, template.css
    return DEFAULT_HTML.read_text(encoding="utf-8"), DEFAULT_CSS.read_text(encoding="utf-8")


def render_pdf(html: str, css: str, context: dict) -> bytes:
    """Render a licence template (HTML and CSS) with `context` into an A4 PDF (PDF/A-3b)."""
    from weasyprint import HTML, Attachment  # Pango and friends load only when a PDF is made

    body = compile_template(html).render(Context(context, autoescape=True))
    # The ministry's CSS is text inside <style>: "</style" would end it early and let markup in.
    css = css.replace("</", "<\\/")
    document = (
        '<!DOCTYPE html><html lang="km"><head><meta charset="utf-8">'
        f"<title>{escape(str(context.get('number', '')))}</title>"
        f"<style>{_fonts_css()}\n{css}</style></head><body>{body}</body></html>"
    )
    # PDF/A-3 lets an archival PDF carry its data: the particulars as JSON, exactly as issued (the text layer
    # is exact only in readers that honour /ActualText — see docs/issuance.md — the attached data always is).
    data = {name: value for name, value in context.items() if name not in _IMAGES}
    attachment = Attachment(
        string=json.dumps(data, ensure_ascii=False, indent=1),
        name=DATA_FILE_NAME,
        description="Licence particulars (JSON)",
        relationship="Data",
    )
    pdf_text.install()  # each line's logical text as /ActualText: shaped Khmer extracts exactly
    # No base URL: a relative reference resolves to nothing, and the fetcher takes only data: URIs anyway.
    return HTML(string=document, base_url=None, url_fetcher=_data_only_fetcher()).write_pdf(
        pdf_variant=PDF_VARIANT, attachments=[attachment]
    )


SAMPLE_VERIFY_URL = "https://verify.gov.kh/verify/SAMPLE-NOT-A-RECORD-0000000000?key=" + "0" * 64


def sample_licence(template: LicenceTemplate) -> Licence:
    """An unsaved licence with made-up particulars, to preview a template (never stored, never registered)."""
    licence_type = template.licence_type
    institution = licence_type.institution if licence_type else None
    today = timezone.localdate()
    return Licence(
        licence_type=licence_type,
        number=f"{licence_type.code if licence_type else 'SAMPLE'}-{today.year}-000000",
        issued_year=today.year,
        holder_name_km="ហាងលក់គ្រឿងសំណង់ គំរូ",
        holder_name_en="Sample Construction Supplies",
        single_id="0000000000000",
        valid_from=today,
        valid_until=today.replace(year=today.year + 1),
        conditions_km=template.conditions_km,
        conditions_en=template.conditions_en,
        verification_url=SAMPLE_VERIFY_URL,
        particulars={
            "owners": [{"name_km": "សុខ ដារា", "name_en": "SOK Dara"}],
            "address": {"km": "ផ្ទះលេខ ១២ ភូមិ ១ សង្កាត់ទន្លេបាសាក់", "en": "No. 12, Village 1, Tonle Basak"},
            "activity": {"code": "4752", "title_km": "ការលក់រាយ", "title_en": "Retail sale of hardware"},
            "institution": {
                "name_km": institution.name_km if institution else "ក្រសួង",
                "name_en": institution.name_en if institution else "Ministry",
            },
            "licence_type": {
                "code": licence_type.code if licence_type else "",
                "name_km": (licence_type.name_km if licence_type else "អាជ្ញាប័ណ្ណ"),
            },
            "licence_type_en": licence_type.name_en if licence_type else "Licence",
            "approver": {
                "name_km": "ចាន់ សុភា",
                "name_en": "CHAN Sophea",
                "title_km": "នាយក",
                "title_en": "Director",
            },
        },
    )


def render_sample(template: LicenceTemplate) -> bytes:
    """The PDF a template makes, on a sample licence (the back-office's preview)."""
    html, css = template_source(template)
    return render_pdf(html, css, licence_context(sample_licence(template), template))


def check_renders(html: str, template: LicenceTemplate) -> None:
    """TemplateRefused unless `html` compiles and renders on a sample licence (what the form checks before
    saving: a template that fails would stop every issuance of its type)."""
    compiled = compile_template(html)
    try:
        compiled.render(Context(licence_context(sample_licence(template), template), autoescape=True))
    except Exception as error:  # any failure of the ministry's template is reported, not raised
        raise TemplateRefused(
            _("The template cannot be rendered: %(error)s") % {"error": str(error)[:300]}
        ) from error


def template_for(licence: Licence) -> LicenceTemplate | None:
    return LicenceTemplate.objects.filter(licence_type_id=licence.licence_type_id).first()


def render_licence(licence: Licence) -> bytes:
    template = template_for(licence)
    html, css = template_source(template)
    return render_pdf(html, css, licence_context(licence, template))


__all__ = [
    "PDF_VARIANT",
    "TemplateRefused",
    "check_renders",
    "compile_template",
    "date_en",
    "date_km",
    "licence_context",
    "qr_png",
    "render_licence",
    "render_pdf",
    "render_sample",
    "sample_licence",
    "template_for",
    "template_source",
]
