"""Upload size limits applied while the request is read, not after.

Django's own handlers read every byte of a file part (to memory or a temporary file) before any form can
look at its size: a 100 MB part sent straight to the application is read in full and only then refused.
`LimitedUploadHandler`, first in `FILE_UPLOAD_HANDLERS`, counts the bytes of each file part as they arrive
and stops reading the request as soon as one part passes `ESB_UPLOAD_PART_MAX_BYTES` (the largest size any
document requirement may allow) or all parts together pass `ESB_MAX_UPLOAD_MB`.

The refused part is not silently dropped: it appears in `request.FILES` as an `OversizedUpload` (empty,
marked with the limit it passed), so the form's own check (applications.uploads.check_upload) shows a clear
"too large" error on that field. Fields sent after the refused part are not read.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404
from django.http.multipartparser import MultiPartParser

_MB = 1024 * 1024
DEFAULT_PART_MAX_BYTES = 20 * _MB


def part_max_bytes() -> int:
    """The most one file part may hold (bytes)."""
    return int(getattr(settings, "ESB_UPLOAD_PART_MAX_BYTES", DEFAULT_PART_MAX_BYTES))


def total_max_bytes() -> int:
    """The most all file parts of one request may hold together (bytes)."""
    return int(getattr(settings, "ESB_MAX_UPLOAD_MB", 25)) * _MB


@dataclass(frozen=True)
class RefusedPart:
    field_name: str
    file_name: str
    content_type: str
    bytes_read: int
    limit: int


class OversizedUpload(UploadedFile):
    """Stands in `request.FILES` for a part whose reading was stopped at the limit. Holds no content;
    `size` is what was read before stopping (already more than `limit`)."""

    def __init__(self, refused: RefusedPart) -> None:
        super().__init__(
            file=io.BytesIO(b""),
            name=refused.file_name,
            content_type=refused.content_type,
            size=refused.bytes_read,
        )
        self.esb_limit = refused.limit

    esb_oversized = True


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading a multipart request at the first file part over the limit (see the module)."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.part_limit = part_max_bytes()
        self.total_limit = total_max_bytes()
        self.part_bytes = 0
        self.total_bytes = 0
        self.refused: RefusedPart | None = None
        self._parsing = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Django's parser offers each handler the whole request first. This handler takes it, runs the
        # ordinary parser over it (with every handler, itself included), and adds the stand-in for a
        # refused part to the files it returns: no handler can otherwise add to request.FILES once the
        # parser has stopped.
        if self._parsing or self.request is None:
            return None
        self._parsing = True
        parser = MultiPartParser(META, input_data, self.request.upload_handlers, encoding)
        post, files = parser.parse()
        if self.refused is not None:
            files.appendlist(self.refused.field_name, OversizedUpload(self.refused))
            self.request.esb_refused_upload = self.refused
        return post, files

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        self.part_bytes = 0
        if content_length is not None and content_length > self.part_limit:
            self._refuse(content_length)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.part_bytes += len(raw_data)
        self.total_bytes += len(raw_data)
        if self.part_bytes > self.part_limit:
            self._refuse(self.part_bytes)
        if self.total_bytes > self.total_limit:
            self._refuse(self.part_bytes, limit=self.total_limit)
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handler stores the file

    def _refuse(self, bytes_read: int, limit: int | None = None) -> None:
        self.refused = RefusedPart(
            field_name=self.field_name,
            file_name=self.file_name or "",
            content_type=self.content_type or "",
            bytes_read=bytes_read,
            limit=limit or self.part_limit,
        )
        # connection_reset: do not read (and discard) the rest of the body either.
        raise StopUpload(connection_reset=True)


def stored_file_response(stored, *, filename: str, content_type: str, as_attachment: bool) -> FileResponse:
    """A stored upload sent back to a reader who may see it (the caller checked that): `Http404` when the file
    is gone from storage, never a 500; the browser told not to guess another type."""
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
