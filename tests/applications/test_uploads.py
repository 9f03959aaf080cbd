"""applications.uploads.check_upload: the content decides what a file is."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from applications.uploads import DEFAULT_FORMATS, check_upload, clean_name

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "declared", "detected", "extension"),
    [
        ("licence.pdf", PDF_BYTES, PDF, PDF, "pdf"),
        ("photo.JPG", image_bytes("JPEG"), JPEG, JPEG, "jpg"),
        ("photo.jpeg", image_bytes("JPEG"), "image/pjpeg", JPEG, "jpg"),
        ("plan.png", image_bytes("PNG"), PNG, PNG, "png"),
        ("plan.png", image_bytes("PNG"), "application/octet-stream", PNG, "png"),
    ],
)
def test_real_files_pass(name, content, declared, detected, extension):
    checked = check_upload(upload(name, content, declared), formats=DEFAULT_FORMATS, max_size_mb=10)
    assert checked.content_type == detected
    assert checked.extension == extension
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == name
    assert checked.file.read() == content  # left at the start for whoever stores it


def _error(file, **kwargs) -> ValidationError:
    kwargs.setdefault("formats", DEFAULT_FORMATS)
    kwargs.setdefault("max_size_mb", 10)
    with pytest.raises(ValidationError) as caught:
        check_upload(file, **kwargs)
    return caught.value


def test_png_named_pdf_fails():
    error = _error(upload("scan.pdf", image_bytes("PNG"), PDF))
    assert error.code == "mismatch"
    assert "This file is not really a PDF" in error.messages[0]


def test_exe_renamed_pdf_fails():
    error = _error(upload("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, PDF))
    assert error.code == "mismatch"
    assert "not really a PDF" in error.messages[0]


def test_declared_type_must_match_content():
    error = _error(upload("scan.pdf", PDF_BYTES, "image/png"))
    assert error.code == "mismatch"


def test_empty_file_fails():
    assert _error(upload("empty.pdf", b"", PDF)).code == "empty"


def test_oversize_file_fails_with_sizes_in_mb():
    content = b"%PDF-1.4\n" + b"0" * int(1.5 * 1024 * 1024)
    error = _error(upload("big.pdf", content, PDF), max_size_mb=1)
    assert error.code == "too_large"
    assert error.messages == ["The file is 1.5 MB; the limit is 1 MB."]


def test_format_not_accepted_by_the_requirement():
    error = _error(upload("photo.png", image_bytes("PNG"), PNG), formats=[PDF])
    assert error.code == "format"
    assert error.messages == ["Upload a PDF file."]
    error = _error(upload("notes.docx", b"PK\x03\x04", "application/msword"))
    assert error.messages == ["Upload a PDF, JPEG or PNG file."]


def test_short_format_names_are_understood():
    checked = check_upload(upload("a.png", image_bytes("PNG"), PNG), formats=["png", "pdf"], max_size_mb=1)
    assert checked.content_type == PNG


def test_file_names_are_cleaned():
    assert clean_name("C:\\Users\\me\\scan\x07.pdf") == "scan.pdf"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("") == "document"
    long_name = clean_name("a" * 500 + ".pdf")
    assert len(long_name) == 200 and long_name.endswith(".pdf")


def test_khmer_message():
    from django.utils import translation

    with translation.override("km"):
        error = _error(upload("empty.pdf", b"", PDF))
    assert error.messages  # translated later; never an exception
