"""The receipt, bilingual (Khmer and English side by side), as an HTML page and a PDF.

The PDF is WeasyPrint over the same data: Pango and HarfBuzz shape the Khmer text with the vendored Noto Sans
Khmer TTF files (complete fonts; the web's woff2 files are subsets), so stacked consonants and vowels render
as in the browser."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from esb import pdf_text
from esb.templatetags.esb_ui import esb_datetime
from licensing.formatting import format_fee
from payments.models import Method, Receipt

FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "fonts" / "noto-sans-khmer" / "ttf"

# Labels in both languages, fixed here (a receipt says the same thing whatever the reader's language).
_METHODS = {
    Method.KHQR: ("KHQR (បាគង)", "KHQR (Bakong)"),
    Method.CARD: ("កាតធនាគារ", "Bank card"),
    Method.BANK_TRANSFER: ("ការផ្ទេរប្រាក់តាមធនាគារ", "Bank transfer"),
    Method.WAIVER: ("បានលើកលែងថ្លៃសេវា", "Fee waived"),
}


def receipt_context(receipt: Receipt) -> dict:
    payment = receipt.payment
    application = payment.application
    institution = application.licence_type.institution
    method_km, method_en = _METHODS.get(payment.method, (payment.method, payment.method))
    with translation.override("en"):
        amount_en = format_fee(payment.amount, payment.currency)
        paid_en = esb_datetime(payment.paid_at)
    with translation.override("km"):
        amount_km = format_fee(payment.amount, payment.currency)
        paid_km = esb_datetime(payment.paid_at)
    return {
        "receipt": receipt,
        "payment": payment,
        "application": application,
        "institution": institution,
        "merchant": payment.account.display_merchant_name if payment.account else institution.name,
        "amount_en": amount_en,
        "amount_km": amount_km,
        "paid_en": paid_en,
        "paid_km": paid_km,
        "method_km": method_km,
        "method_en": method_en,
        "service_km": application.licence_type.name_km,
        "service_en": application.licence_type.name_en,
    }


def receipt_pdf(receipt: Receipt, request: HttpRequest | None = None) -> bytes:
    from weasyprint import HTML  # Pango and friends load only when a PDF is made

    html = render_to_string(
        "payments/receipt_pdf.html", {**receipt_context(receipt), "font_dir": FONT_DIR.as_uri()}
    )
    pdf_text.install()  # each line's logical text as /ActualText: the Khmer extracts exactly
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()


__all__ = ["receipt_context", "receipt_pdf"]
