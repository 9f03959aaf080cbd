"""Checks on an uploaded supporting document, before anything is stored.

The content decides what a file is: the first bytes must be those of a PDF, JPEG or PNG, and the name's
extension and the browser's declared type must agree with them. A renamed executable or an image saved as
`.pdf` is refused with a sentence that says so. The SHA-256 is computed while reading the file in chunks, so
a large upload is never held in memory twice.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
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
    return CheckedUpload(
        file=upload,
        content_type=detected,
        size=size,
        sha256=_sha256(upload),
        original_name=name,
        extension=CANONICAL_EXTENSIONS[detected],
    )
