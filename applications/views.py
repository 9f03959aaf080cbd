"""Applicant pages (Part 6 pages 2, 4, 5 and 7): the portal dashboard, starting an application, the form
steps with a task list, check your answers, submission, payment required, status and history, withdrawal.
Thin: the work is in `applications.services` and `applications.selectors`; every page is scoped to the
applications the person may see (anything else is a 404)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import services as account_services
from accounts.selectors import acting_business, all_business_ids, businesses_of
from applications import selectors, services
from applications.form_builder import build_step_form, display_answer
from applications.models import Application, Status
from esb.access import applicant_required
from esb.ids import parse_id
from esb.uploads import stored_file_response
from licensing import selectors as catalog
from licensing.form_cache import form_steps
from licensing.models import LicenceService
from privacy import selectors as privacy_selectors
from privacy.models import ConsentPurpose

_AUTO_ACTING_KEY = "esb_acting_for_offered"


def _application(request: HttpRequest, public_id) -> Application:
    application = selectors.for_applicant(request.user, public_id, all_business_ids(request))
    if application is None:
        raise Http404
    return application


def _application_ref(request: HttpRequest, public_id) -> Application:
    """Id, public id and status only: enough for a view that hands the application to a service."""
    application = selectors.ref_for_applicant(request.user, public_id, all_business_ids(request))
    if application is None:
        raise Http404
    return application


def _steps(application: Application) -> list:
    return form_steps(application.form_definition_id)


def _url(name: str, application: Application, **kwargs) -> str:
    return reverse(f"applications:{name}", kwargs={"public_id": application.public_id, **kwargs})


def _posted_version(request: HttpRequest) -> int | None:
    # a malformed version is "stale" (-1), never a 500
    version = parse_id(request.POST.get("version", ""))
    return version if version is not None else -1


def _first_step_url(application: Application) -> str:
    # Straight into the first question: the task list stays one link away for longer forms.
    return _url("step", application, step=_steps(application)[0].key)


# --- page 2: the portal -------------------------------------------------------------------------------------


@applicant_required
@require_safe
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    business = acting_business(request)
    if business is None and not request.session.get(_AUTO_ACTING_KEY):
        # Someone who acts for exactly one business is shown that business's portal the first time; a
        # later choice of "Myself" in the header then sticks.
        request.session[_AUTO_ACTING_KEY] = True
        only = list(businesses_of(request.user)[:2])
        if len(only) == 1:
            business = account_services.set_acting_for(request, only[0].pk)
    board = selectors.dashboard(request.user, business)
    return render(
        request,
        "applications/dashboard.html",
        {
            "board": board,
            "business": business,
            "businesses": list(businesses_of(request.user)[:20]),
            "has_businesses": businesses_of(request.user).exists(),
            "status_choices": Status.choices,
        },
    )


# --- starting -----------------------------------------------------------------------------------------------


def _chosen_service(request: HttpRequest, licence_type) -> tuple[LicenceService | None, list[LicenceService]]:
    services_offered = list(licence_type.services.filter(is_active=True).order_by("sort_order", "code"))
    code = (request.POST.get("service") or request.GET.get("service") or "")[:40]
    chosen = next((s for s in services_offered if s.code == code), None)
    if chosen is None and len(services_offered) == 1:
        chosen = services_offered[0]
    return chosen, services_offered


@applicant_required
@require_http_methods(["GET", "POST"])
@never_cache
def start(request: HttpRequest, code: str) -> HttpResponse:
    licence_type = catalog.catalog_services().filter(code=code[:40]).first()
    if licence_type is None:
        raise Http404
    if not privacy_selectors.has_consent(request.user, ConsentPurpose.CAMDX_CLUSTER):
        consent_url = reverse("privacy:consent")
        return HttpResponseRedirect(f"{consent_url}?{urlencode({'next': request.get_full_path()})}")
    service, offered = _chosen_service(request, licence_type)
    businesses = list(businesses_of(request.user)[:50])
    business = acting_business(request)
    if business is None and len(businesses) == 1 and request.method == "GET":
        business = businesses[0]  # the only business this person can act for: chosen for them
    draft = (
        services.open_draft(request.user, licence_type, service, business) if service or not offered else None
    )
    if request.method == "POST":
        chosen = (request.POST.get("business") or "")[:20]
        try:
            if chosen:  # the page offers the choice only to people who act for businesses
                business = account_services.set_acting_for(request, None if chosen == "self" else int(chosen))
            elif business is None and len(businesses) == 1:
                business = account_services.set_acting_for(request, businesses[0].pk)
        except (ValueError, LookupError):
            messages.error(request, _("Choose one of your businesses."))
        else:
            if offered and service is None:
                messages.error(request, _("Choose which service you are applying for."))
            else:
                try:
                    application = services.start_application(
                        request.user, licence_type, service=service, business=business
                    )
                except services.ConsentRequired:
                    return HttpResponseRedirect(reverse("privacy:consent"))
                except services.ApplicationError as exc:
                    messages.error(request, exc.message)
                else:
                    for notice in getattr(application, "prefill_notices", ()):
                        messages.warning(request, notice)
                    return HttpResponseRedirect(_first_step_url(application))
    return render(
        request,
        "applications/start.html",
        {
            "licence_type": licence_type,
            "service": service,
            "services_offered": offered,
            "business": business,
            "businesses": businesses,
            "draft": draft,
            "form": catalog.published_form(licence_type),
        },
    )


# --- page 4: the form ---------------------------------------------------------------------------------------


def _step_progress(application: Application) -> list[dict]:
    rows = []
    correction = set(application.correction_fields)
    for step in _steps(application):
        keys = {f.key for f in step.fields.all()}
        rows.append(
            {
                "step": step,
                "done": step.key in application.completed_steps,
                "to_correct": bool(keys & correction) if application.status == Status.RETURNED else False,
                "url": _url("step", application, step=step.key),
            }
        )
    return rows


@applicant_required
@require_safe
@never_cache
def task_list(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    if not application.is_editable:
        return HttpResponseRedirect(_url("detail", application))
    rows = _step_progress(application)
    return render(
        request,
        "applications/tasks.html",
        {
            "application": application,
            "rows": rows,
            "done_count": sum(1 for r in rows if r["done"]),
            "all_done": all(r["done"] for r in rows),
        },
    )


def _form_kwargs(application: Application, step) -> dict:
    files = services.current_document_files(application)
    requirements = {
        r.document_type.code: r
        for r in application.licence_type.document_requirements.select_related("document_type")
    }
    return {
        "initial": application.answers,
        "prefilled": application.prefilled,
        "locked": application.locked_fields,
        "existing_documents": {
            key: ", ".join(d.original_name for d in found) for key, found in files.items()
        },
        "requirements": requirements,
        "only": services.editable_keys(application, step),
    }


@applicant_required
@require_http_methods(["GET", "POST"])
@never_cache
def step(request: HttpRequest, public_id, step: str) -> HttpResponse:
    application = _application(request, public_id)
    steps = _steps(application)
    current = next((s for s in steps if s.key == step), None)
    if current is None:
        raise Http404
    if not application.is_editable:
        messages.info(request, _("This application has been submitted and can no longer be changed here."))
        return HttpResponseRedirect(_url("detail", application))
    kwargs = _form_kwargs(application, current)
    if application.status == Status.RETURNED and not kwargs["only"]:
        return HttpResponseRedirect(_url("check", application))
    index = steps.index(current)
    returning_to_check = request.GET.get("return") == "check"
    status = 200
    if request.method == "POST":
        form = build_step_form(current, data=request.POST, files=request.FILES, **kwargs)
        valid = form.is_valid()
        leaving = "save_and_exit" in request.POST
        if valid or leaving:
            try:
                services.save_step(
                    application,
                    request.user,
                    current,
                    answers=form.answers() if valid else form.valid_answers(),
                    uploads=form.uploads(),
                    version=_posted_version(request),
                    complete=valid,
                )
            except services.StalePage as exc:
                messages.warning(request, exc.message)
                return HttpResponseRedirect(request.get_full_path())
            except services.NotEditable as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(_url("detail", application))
            if leaving:
                if valid:
                    messages.success(request, _("Your answers are saved. You can continue from your portal."))
                else:
                    messages.warning(
                        request,
                        _(
                            "What you entered is saved, except the answers that still need correcting. "
                            "You can continue from your portal."
                        ),
                    )
                return HttpResponseRedirect(reverse("applications:dashboard"))
            if returning_to_check or index == len(steps) - 1:
                return HttpResponseRedirect(_url("check", application))
            return HttpResponseRedirect(_url("step", application, step=steps[index + 1].key))
        status = 400
        form = _keep_what_was_valid(request, application, current, form)
    else:
        form = build_step_form(current, **kwargs)
    return render(
        request,
        "applications/step.html",
        {
            "application": application,
            "step": current,
            "steps": steps,
            "number": index + 1,
            "previous_url": _url("step", application, step=steps[index - 1].key) if index else None,
            "form": form,
            "returning_to_check": returning_to_check,
            "is_last": index == len(steps) - 1,
        },
        status=status,
    )


def _keep_what_was_valid(request: HttpRequest, application: Application, step, form):
    """A post with errors still keeps its valid files and answers (a person should not have to choose the
    same three photos again because a date was mistyped). Returns the form to show again: the same errors,
    with the kept files now listed as current."""
    answers, uploads = form.valid_answers(), form.uploads()
    if not uploads and all(application.answers.get(k) == v for k, v in answers.items()):
        return form
    try:
        services.save_step(
            application,
            request.user,
            step,
            answers=answers,
            uploads=uploads,
            version=_posted_version(request),
            complete=False,
        )
    except services.ApplicationError:
        return form
    application.refresh_from_db()
    shown = build_step_form(step, data=request.POST, **_form_kwargs(application, step))
    shown._errors = form.errors
    shown.cleaned_data = {}
    return shown


# --- page 5: check your answers -----------------------------------------------------------------------------


def _answer_sections(application: Application, files: dict[str, list]) -> list[dict]:
    correction = set(application.correction_fields)
    sections = []
    for step in _steps(application):
        rows = []
        step_url = _url("step", application, step=step.key)  # once per step, not per answer
        for form_field in step.fields.all():
            if form_field.field_type == "file":
                found = files.get(form_field.key, [])
                document = found[0] if found else None
                value = "\n".join(d.original_name for d in found)
            else:
                raw = application.answers.get(form_field.key)
                value = display_answer(form_field, raw) if raw not in (None, "", [], {}) else ""
                document = None
            editable = application.status == Status.DRAFT or form_field.key in correction
            rows.append(
                {
                    "field": form_field,
                    "value": value,
                    "document": document,
                    "prefilled_from": application.prefilled.get(form_field.key),
                    "locked": form_field.key in application.locked_fields,
                    "to_correct": form_field.key in correction,
                    "change_url": (
                        f"{step_url}?return=check#id_{form_field.key}"
                        if editable and form_field.key not in application.locked_fields
                        else ""
                    ),
                }
            )
        sections.append({"step": step, "rows": rows})
    return sections


@applicant_required
@require_safe
@never_cache
def check_answers(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    if not application.is_editable:
        return HttpResponseRedirect(_url("detail", application))
    files = services.current_document_files(application)  # read once for both
    return render(
        request,
        "applications/check.html",
        {
            "application": application,
            "sections": _answer_sections(application, files),
            "missing": services.missing_answers(application, {key: found[0] for key, found in files.items()}),
        },
    )


@applicant_required
@require_POST
def submit(request: HttpRequest, public_id) -> HttpResponse:
    application = _application_ref(request, public_id)
    try:
        application = services.submit(application, request.user, version=_posted_version(request))
    except services.NotEditable:
        if application.status == Status.SUBMITTED:
            # The same confirmation posted twice (double click, back button): the first one counted.
            return HttpResponseRedirect(_url("confirmation", application))
        messages.error(request, _("This application can no longer be changed."))
        return HttpResponseRedirect(_url("detail", application))
    except services.ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_url("check", application))
    if application.status == Status.DRAFT:
        return HttpResponseRedirect(_url("payment", application))
    return HttpResponseRedirect(_url("confirmation", application))


@applicant_required
@require_safe
def confirmation(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    if application.status == Status.DRAFT:
        return HttpResponseRedirect(_url("check", application))
    return render(request, "applications/confirmation.html", {"application": application})


@applicant_required
@require_safe
def payment_required(request: HttpRequest, public_id) -> HttpResponse:
    """ "Payment required" is the payment page (page 6, served by `payments`): kept as the address the
    submission and older notifications point to."""
    application = _application_ref(request, public_id)
    return HttpResponseRedirect(reverse("payments:pay", kwargs={"public_id": application.public_id}))


# --- page 7: status and history ----------------------------------------------------------------------------


@applicant_required
@require_safe
@never_cache
def detail(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    fields = {f.key: f for step in _steps(application) for f in step.fields.all()}
    revisions = selectors.revisions(application)
    changes = selectors.version_changes(revisions, fields, display_answer)
    # Which submitted version to show (?version=N); the latest by default, an unknown number is the latest.
    wanted = parse_id(request.GET.get("version", ""))
    shown = next(
        (r for r in revisions if r.number == wanted),
        revisions[-1] if revisions else None,
    )
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "events": selectors.timeline(application),
            "revisions": revisions,
            "changes": changes,
            "shown_revision": shown,
            "submitted": selectors.submitted_answers(shown, _steps(application), display_answer)
            if shown
            else [],
            "documents": selectors.documents(application),
            "correction_labels": [fields[k].label for k in application.correction_fields if k in fields],
            "can_withdraw": application.status in services.UNDECIDED,
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    if application.status not in services.UNDECIDED:
        messages.info(request, _("Only an application that is not yet decided can be withdrawn."))
        return HttpResponseRedirect(_url("detail", application))
    if request.method == "POST":
        reason = (request.POST.get("reason") or "").replace("\x00", "").strip()[:1000]
        try:
            services.withdraw(application, request.user, reason=reason)
        except services.ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your application has been withdrawn."))
        return HttpResponseRedirect(_url("detail", application))
    return render(request, "applications/withdraw.html", {"application": application})


@applicant_required
@require_POST
def discard(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    if application.status != Status.DRAFT or application.payment_requested_at:
        messages.error(request, _("Only a draft can be deleted."))
        return HttpResponseRedirect(_url("detail", application))
    services.discard_draft(application, by=request.user, reason="deleted by the applicant")
    messages.success(request, _("The draft has been deleted."))
    return HttpResponseRedirect(reverse("applications:dashboard"))


@applicant_required
@require_safe
def document(request: HttpRequest, public_id, document_id: int) -> HttpResponse:
    application = _application(request, public_id)
    found = selectors.document_for(application, document_id)
    if found is None:
        raise Http404
    return stored_file_response(
        found.file, filename=found.original_name, content_type=found.content_type, as_attachment=True
    )
