"""Checks on an uploaded supporting document, before anything is stored.

The content decides what a file is: the first bytes must be those of a PDF, JPEG or PNG, and the name's
extension and the browser's declared type must agree with them. A renamed executable or an image saved as
`.pdf` is refused with a sentence that says so. The SHA-256 is computed while reading the file in chunks, so
a large upload is never held in memory twice.

The first bytes are not enough: a PDF followed by a web page, or a JPEG followed by HTML, starts right and
is still a web page to a browser that sniffs it. So each file is parsed in full — a PDF must open with pypdf
and have at least one page, an image must pass Pillow's verify() and decode — and nothing but whitespace may
follow the format's own end (`%%EOF`, the JPEG end-of-image marker, the PNG IEND chunk). Web-page markup at
the start of a file is refused whatever follows. A part the upload handler stopped reading at the size limit
(esb.uploads.OversizedUpload) is refused as too large.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from licensing.models.catalog import MIME_JPEG, MIME_PDF, MIME_PNG

DEFAULT_FORMATS = (MIME_PDF, MIME_JPEG, MIME_PNG)
DEFAULT_MAX_SIZE_MB = 10
MAX_NAME_LENGTH = 200
_MB = 1024 * 1024

# What each format is called, its canonical extension, the extensions people use and the content's magic.
FORMAT_NAMES = {MIME_PDF: "PDF", MIME_JPEG: "JPEG", MIME_PNG: "PNG"}
CANONICAL_EXTENSIONS = {MIME_PDF: "pdf", MIME_JPEG: "jpg", MIME_PNG: "png"}
_EXTENSIONS = {"pdf": MIME_PDF, "jpg": MIME_JPEG, "jpeg": MIME_JPEG, "jpe": MIME_JPEG, "png": MIME_PNG}
_MAGIC = ((MIME_PDF, b"%PDF-"), (MIME_JPEG, b"\xff\xd8\xff"), (MIME_PNG, b"\x89PNG\r\n\x1a\n"))
# Browsers and operating systems declare the same formats under older or vendor names.
_DECLARED_ALIASES = {
    "application/pdf": MIME_PDF,
    "application/x-pdf": MIME_PDF,
    "application/acrobat": MIME_PDF,
    "image/jpeg": MIME_JPEG,
    "image/jpg": MIME_JPEG,
    "image/pjpeg": MIME_JPEG,
    "image/png": MIME_PNG,
    "image/x-png": MIME_PNG,
}
# Declared types that say nothing about the content (some phones send these for every file).
_UNINFORMATIVE = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_SHORT_FORMATS = {"pdf": MIME_PDF, "jpeg": MIME_JPEG, "jpg": MIME_JPEG, "png": MIME_PNG}
# Images larger than this many pixels are refused before decoding (a small file can unpack to gigabytes).
MAX_IMAGE_PIXELS = 60_000_000
# Markup a browser would render as a page, looked for at the start of every file (case-insensitive).
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed)\b", re.IGNORECASE)
_MARKUP_WINDOW = 1024
_PDF_TAIL = 1024  # %%EOF must be within this many bytes of the end, followed by whitespace only
_TRAILING_ALLOWED = b" \t\r\n\x00\x0c"


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    content_type: str  # detected from the content, one of DEFAULT_FORMATS
    size: int
    sha256: str
    original_name: str  # the name as uploaded, without any folder part or control characters
    extension: str  # canonical for the detected type: "pdf", "jpg" or "png"


def normalise_formats(formats: Collection[str] | None) -> list[str]:
    """MIME types (as DocumentRequirement stores them) or short names ("pdf", "jpeg"), safe ones only."""
    result: list[str] = []
    for item in formats or ():
        value = str(item).strip().lower()
        mime = _SHORT_FORMATS.get(value) or _DECLARED_ALIASES.get(value)
        if mime and mime not in result:
            result.append(mime)
    return result


def format_list(formats: Collection[str]) -> str:
    """ "PDF", "PDF or PNG", "PDF, JPEG or PNG" in the active language."""
    names = [FORMAT_NAMES[mime] for mime in formats if mime in FORMAT_NAMES]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def accept_attribute(formats: Collection[str]) -> str:
    """The `accept` attribute of a file input: extensions and MIME types, so every browser filters."""
    mimes = normalise_formats(formats) or list(DEFAULT_FORMATS)
    extensions = [f".{ext}" for ext, mime in _EXTENSIONS.items() if mime in mimes]
    return ",".join(extensions + mimes)


def format_megabytes(size: int) -> str:
    """12.4 for 13 002 342 bytes; whole numbers without a decimal (10, not 10.0)."""
    value = round(size / _MB, 1)
    return f"{value:g}" if value >= 0.1 else "0.1"


def clean_name(name: str | None) -> str:
    """The uploaded file's own name: no folders, no control characters, at most MAX_NAME_LENGTH long
    (keeping the extension), never empty."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(text) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(text)
        text = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return text or "document"


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes belong to, or None."""
    for mime, magic in _MAGIC:
        if head.startswith(magic):
            return mime
    return None


def _read_head(upload: UploadedFile, length: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(length) or b""
    upload.seek(0)
    return head


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload: UploadedFile, *, formats: Collection[str], max_size_mb: int) -> CheckedUpload:
    """Refuse an empty, oversized, disguised or not-accepted file; describe an accepted one.

    Raises ValidationError with one translated sentence (code: empty, too_large, format, mismatch).
    """
    allowed = normalise_formats(formats) or list(DEFAULT_FORMATS)
    max_size_mb = max_size_mb or DEFAULT_MAX_SIZE_MB
    name = clean_name(getattr(upload, "name", ""))
    size = upload.size or 0
    if getattr(upload, "esb_oversized", False):
        # Reading stopped at the upload handler's limit (esb.uploads): the file is bigger than any allowed.
        raise ValidationError(
            _("The file is larger than %(limit)s MB, the limit; choose a smaller file.")
            % {"limit": max_size_mb},
            code="too_large",
        )
    if size <= 0:
        raise ValidationError(_("The file is empty; choose the file again."), code="empty")
    if size > max_size_mb * _MB:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": format_megabytes(size), "limit": max_size_mb},
            code="too_large",
        )
    wrong_format = ValidationError(
        _("Upload a %(formats)s file.") % {"formats": format_list(allowed)}, code="format"
    )
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    claimed = _EXTENSIONS.get(extension)
    if claimed is None or claimed not in allowed:
        raise wrong_format
    detected = sniff(_read_head(upload))
    if detected != claimed:
        raise ValidationError(
            _("This file is not really a %(format)s; save it as a %(format)s and upload it again.")
            % {"format": FORMAT_NAMES[claimed]},
            code="mismatch",
        )
    declared_raw = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared_raw not in _UNINFORMATIVE and _DECLARED_ALIASES.get(declared_raw) != detected:
        raise ValidationError(
            _("This file is not really a %(format)s; save it as a %(format)s and upload it again.")
            % {"format": FORMAT_NAMES[detected]},
            code="mismatch",
        )
    check_content(upload, detected)
    return CheckedUpload(
        file=upload,
        content_type=detected,
        size=size,
        sha256=_sha256(upload),
        original_name=name,
        extension=CANONICAL_EXTENSIONS[detected],
    )


# --- parsing the content ------------------------------------------------------------------------------------


def _read_all(upload: UploadedFile) -> bytes:
    # Bounded: the upload handler stops reading any part over ESB_UPLOAD_PART_MAX_BYTES.
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _damaged(fmt: str) -> ValidationError:
    return ValidationError(
        _("This %(format)s file could not be read (it may be damaged). Save it again as a %(format)s file.")
        % {"format": fmt},
        code="damaged",
    )


def _extra_content(fmt: str) -> ValidationError:
    return ValidationError(
        _(
            "This file has something else attached to the %(format)s. Save it again as a %(format)s (for "
            "example with “Save as” or “Export”) and upload it."
        )
        % {"format": fmt},
        code="extra_content",
    )


def check_content(upload: UploadedFile, mime: str) -> None:
    """Parse the whole file as `mime`; raise ValidationError (damaged, extra_content, encrypted,
    too_many_pixels) when it is not that and only that."""
    data = _read_all(upload)
    fmt = FORMAT_NAMES[mime]
    if _MARKUP.search(data[:_MARKUP_WINDOW]):
        raise _extra_content(fmt)
    if mime == MIME_PDF:
        _check_pdf(data)
    else:
        _check_image(data, mime)


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader

    tail = data[-_PDF_TAIL:]
    end = tail.rfind(b"%%EOF")
    if end < 0 or tail[end + len(b"%%EOF") :].strip(_TRAILING_ALLOWED):
        raise _extra_content(FORMAT_NAMES[MIME_PDF])
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("This PDF is protected by a password. Save it without the password and upload it again."),
                code="encrypted",
            )
        pages = reader.pages
        if len(pages) < 1:
            raise _damaged(FORMAT_NAMES[MIME_PDF])
        for page in pages:  # every page object must resolve
            page.mediabox  # noqa: B018 (read for its parsing)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many types (PdfReadError, KeyError, ValueError, RecursionError…)
        raise _damaged(FORMAT_NAMES[MIME_PDF]) from exc


def _check_image(data: bytes, mime: str) -> None:
    from PIL import Image

    fmt = FORMAT_NAMES[mime]
    end = _jpeg_end(data) if mime == MIME_JPEG else _png_end(data)
    if end is None:
        raise _damaged(fmt)
    if data[end:].strip(_TRAILING_ALLOWED):
        raise _extra_content(fmt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != fmt:
                    raise _damaged(fmt)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _("This image is too large (%(width)s × %(height)s pixels); make it smaller.")
                        % {"width": width, "height": height},
                        code="too_many_pixels",
                    )
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                if mime == MIME_JPEG:
                    # Decode every scan at 1/8 scale: the whole stream is checked in 1/64 of the memory.
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ValidationError:
        raise
    except Exception as exc:  # Pillow: OSError, SyntaxError, ValueError, DecompressionBomb*…
        raise _damaged(fmt) from exc


def _png_end(data: bytes) -> int | None:
    """Offset just after the IEND chunk, walking the chunks (None when the structure is broken)."""
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if position > len(data):
            return None
        if kind == b"IEND":
            return position
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the end-of-image marker of the JPEG that starts `data`, walking its segments and
    entropy-coded scans (a thumbnail's own end marker inside a segment does not count)."""
    size = len(data)
    position = 2  # after SOI
    while position < size:
        if data[position] != 0xFF:
            return None
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            return None
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return position
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            continue
        if position + 2 > size:
            return None
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            return None
        position += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= size:
                    return None
                following = data[position + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    position += 2  # stuffed byte or restart marker: still in the scan
                elif following == 0xFF:
                    position += 1  # fill byte before a marker
                else:
                    break
    return None
