"""Writing a report as CSV (UTF-8 with a byte order mark, so Excel shows Khmer), XLSX (openpyxl's write-only
workbook: rows go to disk as they come) or a bilingual PDF (WeasyPrint with the vendored Khmer font embedded,
as issuance renders licences). Rows arrive as an iterator, chunk after chunk: no writer holds the list, except
the PDF, which WeasyPrint lays out whole and is therefore limited to MAX_PDF_ROWS rows."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from esb import pdf_text
from reports.labels import Label, pick, yes_no

FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "fonts" / "noto-sans-khmer" / "ttf"
MAX_PDF_ROWS = 3000
# Excel's sheet limit, less the header and totals rows.
MAX_XLSX_ROWS = 1_048_576 - 2

Cell = Any  # str, int, Decimal, float, date, datetime, bool, None, or a Label (Khmer, English)
Row = list[Cell]


def _plain(value: Cell, language: str) -> Cell:
    """A cell for CSV and XLSX: labels in the reader's language, local naive datetimes, yes/no words."""
    if isinstance(value, tuple):
        return pick(value, language)
    if isinstance(value, bool):
        return pick(yes_no(value), language)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def write_csv(stream: IO[bytes], headers: list[Label], rows: Iterable[Row], language: str) -> int:
    """CSV in UTF-8 with a BOM; returns the number of data rows written."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([pick(h, language) for h in headers])
    plain = _plain_cells(language)
    count = 0
    for row in rows:
        writer.writerow([_csv_text(plain(cell)) for cell in row])
        count += 1
    text.flush()
    text.detach()
    return count


def write_xlsx(
    stream: IO[bytes], headers: list[Label], rows: Iterable[Row], language: str, title: str
) -> int:
    """An XLSX workbook with one sheet; returns the number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    # Excel refuses these characters in a sheet's name (and names longer than 31).
    name = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31]
    sheet = workbook.create_sheet(title=name or "Report")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=pick(header, language))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    plain = _plain_cells(language)
    count = 0
    for row in rows:
        if count >= MAX_XLSX_ROWS:
            raise ExportTooLarge(
                _("An Excel sheet holds at most a million rows: narrow the report or use CSV.")
            )
        sheet.append([_xlsx_value(plain(cell)) for cell in row])
        count += 1
    workbook.save(stream)
    return count


def _xlsx_value(value: Cell) -> Cell:
    return float(value) if type(value) is Decimal else value


def _plain_cells(language: str) -> Callable[[Cell], Cell]:
    """`_plain` for every cell of one export, with the time zone and the yes/no words looked up once: a
    list calls it a dozen times a row, and `timezone.localtime` reads a context-local each time (a fifth
    of a CSV's time, bench/README.md). Dispatches on the exact type: a bool is not an int here."""
    zone = timezone.get_current_timezone()
    yes, no = pick(yes_no(True), language), pick(yes_no(False), language)
    khmer = language == "km"

    def plain(value: Cell) -> Cell:
        kind = type(value)
        if kind is str or value is None or kind is int:
            return value
        if kind is tuple:
            km, en = value
            return (km or en) if khmer else (en or km)
        if kind is bool:
            return yes if value else no
        if kind is datetime.datetime:
            return value.astimezone(zone).replace(tzinfo=None, microsecond=0)
        return value

    return plain


def _csv_text(value: Cell) -> Cell:
    """`_text` for the csv writer, which writes str, int and None ("") itself."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is datetime.datetime:
        return value.isoformat(" ", "minutes")  # as _text's strftime("%Y-%m-%d %H:%M"), faster
    if kind is Decimal:
        return f"{value:.2f}"
    return str(value)


class ExportTooLarge(ValueError):
    """The report has more rows than the format can hold; the message says what to do instead."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _both_cell(value: Cell) -> tuple[str, str]:
    """A PDF cell: (main, second line). Labels print Khmer over English."""
    if isinstance(value, tuple):
        km, en = value
        return km, (en if en != km else "")
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime.datetime):
        return _text(timezone.localtime(value)), ""
    return _text(value), ""


def pdf(
    title: Label,
    conditions: list[tuple[Label, Label | str]],
    headers: list[Label],
    rows: Iterable[Row],
    total: Row | None = None,
) -> bytes:
    """A bilingual A4 landscape PDF of the table (Khmer first, English under it)."""
    from weasyprint import HTML  # Pango and friends load only when a PDF is made

    body: list[list[tuple[str, str]]] = []
    for row in rows:
        if len(body) >= MAX_PDF_ROWS:
            raise ExportTooLarge(
                _("A PDF holds at most %(count)s rows: narrow the report or export it as CSV or Excel.")
                % {"count": MAX_PDF_ROWS}
            )
        body.append([_both_cell(cell) for cell in row])
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "font_dir": FONT_DIR.as_uri(),
            "title": title,
            "conditions": [
                (name, value if isinstance(value, tuple) else (value, "")) for name, value in conditions
            ],
            "headers": headers,
            "rows": body,
            "total": [_both_cell(cell) for cell in total] if total else None,
            "made_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "row_count": len(body),
        },
    )
    pdf_text.install()  # each line's logical text as /ActualText: the Khmer extracts exactly
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()


def counted(rows: Iterable[Row], every: int, callback) -> Iterator[Row]:
    """Pass rows through, calling `callback(rows so far)` every `every` rows and at the end."""
    count = 0
    for row in rows:
        yield row
        count += 1
        if count % every == 0:
            callback(count)
    callback(count)
