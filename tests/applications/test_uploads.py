"""applications.uploads.check_upload: the content decides what a file is."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from applications.uploads import DEFAULT_FORMATS, check_upload, clean_name
from tests.applications.factories import one_page_pdf

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
PDF_BYTES = one_page_pdf()


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


# --- hostile files: parsed in full (issue 9) ---------------------------------------------------------------

HTML = b"<html><body><script>fetch('/my-data/').then(r => r.text()).then(alert)</script></body></html>\n"


def _jpeg_with_thumbnail() -> bytes:
    """A JPEG whose EXIF carries a thumbnail with its own end-of-image marker (as cameras write them)."""
    thumbnail = image_bytes("JPEG")
    exif = Image.Exif()
    exif[0x010E] = "camera"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(buffer, format="JPEG", exif=exif.tobytes())
    data = buffer.getvalue()
    # an APP2 segment that holds a whole JPEG (FF D8 … FF D9) before the real image data
    segment = b"\xff\xe2" + (len(thumbnail) + 2).to_bytes(2, "big") + thumbnail
    return data[:2] + segment + data[2:]


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("cv.pdf", PDF_BYTES + HTML, PDF),  # PDF/HTML polyglot: the page after %%EOF
        ("cv.pdf", PDF_BYTES + b"\n" * 3 + b"<script>alert(1)</script>", PDF),
        ("photo.jpg", image_bytes("JPEG") + HTML, JPEG),  # JPEG followed by HTML
        ("photo.jpg", image_bytes("JPEG") + b"PK\x03\x04" + b"\x00" * 40, JPEG),  # JPEG + zip
        ("plan.png", image_bytes("PNG") + HTML, PNG),  # PNG followed by HTML after IEND
        (
            "cv.pdf",
            b"%PDF-1.4\n%<html><script>alert(1)</script>\n" + PDF_BYTES[9:],
            PDF,
        ),  # markup at the start
    ],
)
def test_polyglots_are_refused(name, content, declared):
    error = _error(upload(name, content, declared))
    assert error.code == "extra_content", error.messages
    assert "something else attached" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("cv.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", PDF),  # starts right, no PDF inside
        ("cv.pdf", b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n", PDF),
        ("photo.jpg", image_bytes("JPEG")[:-200] + b"\xff\xd9", JPEG),  # truncated scan data
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 300, JPEG),
        ("plan.png", image_bytes("PNG")[:40] + image_bytes("PNG")[-12:], PNG),  # IDAT cut out
        ("plan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, PNG),
    ],
)
def test_files_that_do_not_parse_are_refused(name, content, declared):
    error = _error(upload(name, content, declared))
    assert error.code == "damaged", error.messages
    assert "could not be read" in error.messages[0]


def test_a_pdf_without_pages_is_refused():
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    assert _error(upload("empty.pdf", buffer.getvalue(), PDF)).code == "damaged"


def test_a_password_protected_pdf_is_refused_with_its_own_message():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = _error(upload("locked.pdf", buffer.getvalue(), PDF))
    assert error.code == "encrypted"


def test_real_files_with_harmless_endings_pass():
    # trailing line breaks after %%EOF, an incremental update (two %%EOF), a camera JPEG with a thumbnail
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.add_metadata({"/Title": "updated"})
    updated = io.BytesIO()
    writer.write(updated)
    for name, content, declared in (
        ("a.pdf", PDF_BYTES + b"\r\n\r\n", PDF),
        ("b.pdf", updated.getvalue(), PDF),
        ("c.jpg", _jpeg_with_thumbnail(), JPEG),
        ("d.png", image_bytes("PNG") + b"\n", PNG),
    ):
        assert check_upload(upload(name, content, declared), formats=DEFAULT_FORMATS, max_size_mb=10)


def test_a_decompression_bomb_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")  # 100 megapixels in a few kilobytes
    assert len(buffer.getvalue()) < 100_000
    error = _error(upload("bomb.png", buffer.getvalue(), PNG))
    assert error.code in ("too_many_pixels", "damaged")


# --- the size limit applies while reading (esb.uploads) -----------------------------------------------------


class _CountingBody(io.RawIOBase):
    """A multipart body produced on demand (never held in memory), counting what the server reads."""

    def __init__(self, boundary: str, fields: list[tuple[str, str | None, int | bytes]]) -> None:
        self.parts = []
        for name, filename, content in fields:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
            if filename:
                head += f'; filename="{filename}"\r\nContent-Type: application/pdf'
            self.parts.append(((head + "\r\n\r\n").encode(), content))
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = sum(len(h) + (c if isinstance(c, int) else len(c)) + 2 for h, c in self.parts)
        self.length += len(self.tail) - 2
        self._chunks = self._generate()
        self._pending = b""
        self.bytes_read = 0

    def _generate(self):
        for index, (head, content) in enumerate(self.parts):
            yield (b"\r\n" if index else b"") + head
            if isinstance(content, int):
                block = b"%PDF-1.4\n" + b"0" * (1024 * 1024 - 9)
                remaining = content
                while remaining > 0:
                    piece = block[: min(remaining, len(block))]
                    remaining -= len(piece)
                    yield piece
                    block = b"0" * len(block)
            else:
                yield content
        yield self.tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        return size


def _multipart_request(fields):
    from django.core.handlers.wsgi import WSGIRequest
    from django.test.client import BOUNDARY

    body = _CountingBody(BOUNDARY, fields)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(body.length),
            "wsgi.input": io.BufferedReader(body),
        }
    )
    return request, body


def test_a_100_mb_part_is_not_read_in_full(settings):
    settings.ESB_UPLOAD_PART_MAX_BYTES = 20 * 1024 * 1024
    hundred_mb = 100 * 1024 * 1024
    request, body = _multipart_request([("version", None, b"3"), ("id_card", "huge.pdf", hundred_mb)])
    assert body.length > hundred_mb
    files, post = request.FILES, request.POST
    # reading stopped just past the limit: the rest of the 100 MB was never read
    assert body.bytes_read < 21 * 1024 * 1024
    assert post["version"] == "3"
    stand_in = files["id_card"]
    assert stand_in.esb_oversized and stand_in.name == "huge.pdf" and stand_in.size > 20 * 1024 * 1024
    error = _error(stand_in, max_size_mb=5)
    assert error.code == "too_large"
    assert error.messages == ["The file is larger than 5 MB, the limit; choose a smaller file."]


def test_parts_within_the_limit_are_read_as_usual(settings):
    settings.ESB_UPLOAD_PART_MAX_BYTES = 1024 * 1024
    request, body = _multipart_request([("id_card", "cv.pdf", PDF_BYTES), ("version", None, b"3")])
    assert request.FILES["id_card"].read() == PDF_BYTES and request.POST["version"] == "3"
    assert body.bytes_read == body.length
    assert not getattr(request.FILES["id_card"], "esb_oversized", False)


def test_all_parts_together_are_bounded(settings):
    settings.ESB_UPLOAD_PART_MAX_BYTES = 4 * 1024 * 1024
    settings.ESB_MAX_UPLOAD_MB = 6
    three_mb = 3 * 1024 * 1024
    fields = [(f"photo_{n}", f"p{n}.pdf", three_mb) for n in range(10)]
    request, body = _multipart_request(fields)
    files = request.FILES
    assert body.bytes_read < 7 * 1024 * 1024
    assert files["photo_0"].size == three_mb
    assert files["photo_2"].esb_oversized and "photo_3" not in files


def test_the_handler_is_installed_first():
    from django.conf import settings

    from licensing.models.catalog import MAX_DOCUMENT_SIZE_MB

    assert settings.FILE_UPLOAD_HANDLERS[0] == "esb.uploads.LimitedUploadHandler"
    assert settings.ESB_UPLOAD_PART_MAX_BYTES == MAX_DOCUMENT_SIZE_MB * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024


@pytest.mark.django_db
def test_an_oversized_document_gets_a_clear_error_on_its_field(
    settings, applicant_client, applicant, business, free_service
):
    """Through the step page: the part is refused while read and the form says so next to the field."""
    from django.urls import reverse

    from tests.applications import factories

    settings.ESB_UPLOAD_PART_MAX_BYTES = 256 * 1024
    application = factories.draft(applicant, free_service, business)
    big = PDF_BYTES[:-6] + b"%" + b"0" * (600 * 1024) + b"\n%%EOF\n"
    url = reverse("applications:step", kwargs={"public_id": application.public_id, "step": "documents"})
    response = applicant_client.post(
        url,
        {"version": application.version, "id_card": upload("id.pdf", big, PDF)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert not application.documents.exists()
