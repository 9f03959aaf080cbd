"""Help pages: FAQ, support request, feedback. Thin: reads in selectors, writes in services."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from esb.access import public
from esb.throttle import throttle
from portal import selectors, services
from portal.forms import FeedbackForm, SupportRequestForm, local_path


def _crumbs(*trail: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("home")), (_("Help"), reverse("portal:faq")), *trail]


@public
@require_safe
def faq(request: HttpRequest) -> HttpResponse:
    search = " ".join(request.GET.get("q", "").split())[: selectors.SEARCH_MAX_LENGTH]
    groups = selectors.faqs_by_category(search=search)
    return render(
        request,
        "portal/faq.html",
        {
            "groups": groups,
            "q": search,
            "result_count": sum(len(items) for _code, _label, items in groups),
            "working_days": services.ANSWER_WITHIN_WORKING_DAYS,
            "breadcrumbs": [(_("Home"), reverse("home")), (_("Help"), "")],
        },
    )


# Anyone may ask; sending is rate-limited per client (support requests are kept: esb.throttle).
@public
@throttle("support", methods=("POST",), successes_only=True)
@require_http_methods(["GET", "POST"])
def support(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    # A logged-in person can always be answered in the portal; a visitor must leave a way to reach them.
    require_contact = user is None
    if request.method == "POST":
        form = SupportRequestForm(request.POST, require_contact=require_contact)
        if form.is_valid():
            support_request = services.create_support_request(user=user, **form.cleaned_data)
            return render(
                request,
                "portal/support_done.html",
                {
                    "support_request": support_request,
                    "working_days": services.ANSWER_WITHIN_WORKING_DAYS,
                    "breadcrumbs": _crumbs((_("Support request sent"), "")),
                },
            )
        status = 400
    else:
        initial = {"service": request.GET.get("service", "")[:40]}
        if user is not None:
            initial.update(name=user.display_name, email=user.email)
        form = SupportRequestForm(initial=initial, require_contact=require_contact)
        status = 200
    return render(
        request,
        "portal/support.html",
        {
            "form": form,
            "working_days": services.ANSWER_WITHIN_WORKING_DAYS,
            "breadcrumbs": _crumbs((_("Contact support"), "")),
        },
        status=status,
    )


@public
@throttle("feedback", methods=("POST",), successes_only=True)
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest) -> HttpResponse:
    context = {"breadcrumbs": _crumbs((_("Give feedback"), ""))}
    if request.method == "POST":
        page = local_path(request.POST.get("page"))
        form = FeedbackForm(request.POST)
        if form.is_valid():
            services.give_feedback(
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                page=form.cleaned_data["page"],
                user=request.user,
                language=get_language() or "",
            )
            context.update(page=form.cleaned_data["page"])
            return render(request, "portal/feedback_done.html", context)
        context.update(form=form, page=page)
        return render(request, "portal/feedback.html", context, status=400)
    page = local_path(request.GET.get("page"))
    context.update(form=FeedbackForm(initial={"page": page}), page=page)
    return render(request, "portal/feedback.html", context)
