"""The officer's review pages, inside the back-office shell (django-unfold): the review screen of one
application and the documents it shows. Thin: what the screen shows is assembled by `review.presentation`
from the selectors; every page is limited to the officer's scope (anything else is a 404)."""

from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_safe

from applications import selectors as application_selectors
from applications.models import Application
from esb.access import officer_required
from esb.ids import parse_id
from privacy.models import AccessorKind, AccessPurpose
from privacy.services import record_access
from review import presentation

# What a framed preview may do: nothing but be shown, and only inside our own pages.
_SANDBOXED = "default-src 'none'; img-src 'self'; frame-ancestors 'self'; sandbox"
# Browsers refuse to run their PDF viewer in a sandbox (Chromium treats it as a plugin that no sandbox
# token re-enables), so an inline PDF is framed without one. It is safe because the upload checks parsed the
# whole file as a PDF and nothing else (applications/uploads.py), it is served as application/pdf with
# nosniff, and the viewer runs the document outside our origin.
_PDF_INLINE = "default-src 'none'; frame-ancestors 'self'"


def _log_access(request: HttpRequest, application: Application, what: str, business=None) -> None:
    record_access(
        accessor_label=request.user.get_full_name() or request.user.get_username(),
        accessor_kind=AccessorKind.OFFICER,
        accessor_user=request.user,
        purpose=AccessPurpose.REVIEW,
        what=what,
        subject_user=application.applicant,
        subject_business=business if business is not None else application.business,
        object_ref=application.reference or "",
    )


@officer_required
@require_safe
def screen(request: HttpRequest, public_id) -> HttpResponse:
    application = presentation.reviewable_application(request.user, public_id)
    if application is None:
        raise Http404
    shown = presentation.review_screen(application, version=parse_id(request.GET.get("version", "")))
    # The applicant can see who read their application and which registry records were read beside it.
    _log_access(request, application, gettext_noop("application and its documents"))
    for what, business in dict.fromkeys(shown.registry_records_read):
        _log_access(request, application, what, business)
    context = {
        **admin.site.each_context(request),
        "title": application.reference or _("Application"),
        "screen": shown,
        "application": application,
    }
    return TemplateResponse(request, "review/screen.html", context)


@officer_required
@require_safe
def document(request: HttpRequest, public_id, document_id: int) -> HttpResponse:
    """One document of an application in scope: shown in the page (`inline`, the default) or downloaded
    (`?download=1`)."""
    application = presentation.reviewable_application_ref(request.user, public_id)
    if application is None:
        raise Http404
    found = application_selectors.document_for(application, document_id)
    if found is None or not found.file:
        raise Http404
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    download = request.GET.get("download") == "1"
    response = FileResponse(
        handle, as_attachment=download, filename=found.original_name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"  # the review screen frames it; no other site may
    inline_pdf = not download and presentation.document_kind(found) == "pdf"
    response["Content-Security-Policy"] = _PDF_INLINE if inline_pdf else _SANDBOXED
    if download:
        # A copy leaves the portal: that is worth its own line in the applicant's access log.
        _log_access(request, application, gettext_noop("document downloaded"))
    return response
