"""The officer's review pages, inside the back-office shell (django-unfold): the landing page, the work
queues, the review screen of one application with its decision panel, and the documents it shows.

Thin: what the pages show is assembled by `review.presentation` from the selectors; every action goes
through `review.services.take_action`. Every page is limited to the officer's scope (anything else is a
404); a refused action shows the page again with the officer's text kept (409 when someone else acted
first, 400 for something to fix); a successful one redirects (post/redirect/get).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from applications import selectors as application_selectors
from applications.models import Application
from applications.services import ApplicationError
from esb.access import officer_required
from esb.ids import parse_id
from esb.uploads import stored_file_response
from privacy.models import AccessorKind, AccessPurpose
from privacy.services import record_access
from review import presentation
from review import selectors as review_selectors
from review.forms import QUEUE_TABS, QueueFilters, posted_version
from review.models import ActionKind
from review.pagination import CappedPaginator
from review.services import ReviewError, take_action

QUEUE_PERMISSION = "review.view_reviewtask"
PAGE_SIZE = 25
# Refusals that mean "someone else acted first" (409): the page is shown again as it now is.
CONFLICTS = frozenset({"stale", "held", "already_held", "closed", "no_task", "transition", "waiting"})

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


def _screen_url(application: Application) -> str:
    return reverse("review:screen", kwargs={"public_id": application.public_id})


# --- the landing page and the queues ------------------------------------------------------------------------


@officer_required
@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """/backoffice/: an officer who reviews starts at their work queue; everyone else at the admin index."""
    if request.user.has_perm(QUEUE_PERMISSION) and not request.user.is_superuser:
        return HttpResponseRedirect(reverse("review:queue"))
    return admin.site.index(request)


@officer_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(QUEUE_PERMISSION):
        raise PermissionDenied
    # Counted up to a cap: an exact count of a ministry's decided applications grows with them
    # (bench/README.md).
    cap = review_selectors.COUNT_CAP
    counts = review_selectors.queue_counts(request.user, cap=cap)
    tab = request.GET.get("tab", "")
    if tab not in review_selectors.QUEUES:
        tab = "mine" if counts["mine"] or not counts["team"] else "team"
    filters = QueueFilters(
        request.GET if set(request.GET) - {"tab", "page"} else None,
        services=presentation.scoped_services(request.user),
    )
    chosen = filters.filters()
    tasks = review_selectors.queue(request.user, tab, **chosen)
    parts = review_selectors.queue_parts(request.user, tab, **chosen)
    # Unfiltered, the queue's rows are the tab's: counted once.
    known = None if any(chosen.values()) else counts[tab]
    page = CappedPaginator(tasks, PAGE_SIZE, cap=cap, parts=parts, count=known).get_page(
        request.GET.get("page")
    )
    context = {
        "tab": tab,
        "tabs": [(name, label, _count_label(counts[name], cap)) for name, label in QUEUE_TABS],
        "filters": filters,
        "page": page,
        "rows": presentation.queue_rows(page.object_list),
    }
    if request.htmx:
        # The filter form asked for the results only (the page works without JavaScript too).
        return TemplateResponse(request, "review/includes/queue_results.html", context)
    context.update(admin.site.each_context(request))
    context["title"] = _("Review queue")
    return TemplateResponse(request, "review/queue.html", context)


def _count_label(count: int, cap: int) -> str:
    """A tab's count: exact up to the cap, "1,000+" above it."""
    if count > cap:
        return number_format(cap, force_grouping=True) + "+"
    return number_format(count, force_grouping=True)


# --- the review screen --------------------------------------------------------------------------------------


def _screen(request: HttpRequest, public_id, *, data=None, error: str = "", status: int = 200):
    task = presentation.current_task(request.user, public_id)
    application = presentation.reviewable_application(request.user, public_id, task=task)
    if application is None:
        raise Http404
    shown = presentation.review_screen(application, version=parse_id(request.GET.get("version", "")))
    panel = presentation.decision_panel(request.user, application, task, data=data, error=error)
    # The applicant can see who read their application and which registry records were read beside it.
    _log_access(request, application, gettext_noop("application and its documents"))
    for what, business in dict.fromkeys(shown.registry_records_read):
        _log_access(request, application, what, business)
    context = {
        **admin.site.each_context(request),
        "title": application.reference or _("Application"),
        "screen": shown,
        "panel": panel,
        "application": application,
        "screen_url": _screen_url(application),
    }
    return TemplateResponse(request, "review/screen.html", context, status=status)


@officer_required
@require_safe
def screen(request: HttpRequest, public_id) -> HttpResponse:
    return _screen(request, public_id)


def _done_message(action: str, recorded) -> str:
    step = recorded.to_step.name if recorded.to_step_id else ""
    messages_by_action = {
        ActionKind.CLAIM: _("You have claimed this application."),
        ActionKind.RELEASE: _("You have released this application: it is back in your team's queue."),
        ActionKind.REASSIGN: _("The application is now with %(name)s.")
        % {"name": recorded.assignee.display_name if recorded.assignee_id else ""},
        ActionKind.FORWARD: _("Forwarded to the step “%(step)s”.") % {"step": step},
        ActionKind.RECOMMEND: _("Your recommendation is recorded and the application went on to “%(step)s”.")
        % {"step": step},
        ActionKind.RETURN: _("Returned to the applicant for correction. They have been told."),
        ActionKind.APPROVE: _("Approved. The applicant has been told."),
        ActionKind.REJECT: _("Rejected. The applicant has been told."),
        ActionKind.COMMENT: _("Your internal note is saved."),
    }
    return str(messages_by_action[action])


@officer_required
@require_POST
def act(request: HttpRequest, public_id) -> HttpResponse:
    """One action of the decision panel (the button pressed says which), through `take_action`."""
    task = presentation.current_task(request.user, public_id)
    application = presentation.reviewable_application(request.user, public_id, task=task)
    if application is None:
        raise Http404
    panel = presentation.decision_panel(request.user, application, task, data=request.POST)
    form = panel.form
    if not form.is_valid():
        return _screen(
            request, public_id, data=request.POST, error=_("Check the fields marked below."), status=400
        )
    action = form.cleaned_data["action"]
    try:
        recorded = take_action(
            request.user, application, action, version=posted_version(request.POST), **form.params()
        )
    except (ReviewError, ApplicationError) as refused:
        status = 409 if refused.code in CONFLICTS else 400
        return _screen(request, public_id, data=request.POST, error=str(refused.message), status=status)
    messages.success(request, _done_message(action, recorded))
    return HttpResponseRedirect(_screen_url(application))


@officer_required
@require_safe
def document(request: HttpRequest, public_id, document_id: int) -> HttpResponse:
    """One document of an application in scope: shown in the page (`inline`, the default) or downloaded
    (`?download=1`)."""
    task = presentation.current_task(request.user, public_id)
    application = presentation.reviewable_application_ref(request.user, public_id, task=task)
    if application is None:
        raise Http404
    found = application_selectors.document_for(application, document_id)
    if found is None:
        raise Http404
    download = request.GET.get("download") == "1"
    response = stored_file_response(
        found.file, filename=found.original_name, content_type=found.content_type, as_attachment=download
    )
    response["X-Frame-Options"] = "SAMEORIGIN"  # the review screen frames it; no other site may
    inline_pdf = not download and presentation.document_kind(found) == "pdf"
    response["Content-Security-Policy"] = _PDF_INLINE if inline_pdf else _SANDBOXED
    if download:
        # A copy leaves the portal: that is worth its own line in the applicant's access log.
        _log_access(request, application, gettext_noop("document downloaded"))
    return response
