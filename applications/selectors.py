"""Reads of applications, scoped to what the person may see.

An applicant sees the applications of the businesses they act for (any of their active roles in the business
registry) and their own applications made without a business; nothing else exists for them (404).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from accounts.selectors import businesses_of
from applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationRevision,
    Status,
)
from applications.prefill import Prefill, resolve
from esb.compiled import CompiledQuery
from licensing.models import FormField, FormStep


def visible_to(user, business_ids: Collection[int] | None = None) -> QuerySet[Application]:
    """`business_ids`: every business of the user, when the caller has read them already (e.g.
    `accounts.selectors.all_business_ids`); else they are looked up in the registry within the query."""
    if user is None or not user.is_authenticated:
        return Application.objects.none()
    if business_ids is None:
        business_ids = businesses_of(user).values("pk")
    return Application.objects.filter(
        Q(business_id__in=business_ids) | Q(applicant=user, business__isnull=True)
    ).filter(discarded_at__isnull=True)


def for_applicant(user, public_id, business_ids: Collection[int] | None = None) -> Application | None:
    """One application with its licence type, institution and business (what the applicant's pages show),
    or None if the user may not see it (`business_ids` as for `visible_to`). Its form's steps and fields:
    `licensing.form_cache.form_steps`. Every join costs planning time on each request: add one only for a
    page that reads it."""
    return (
        visible_to(user, business_ids)
        .select_related("licence_type__institution", "business")
        .filter(public_id=public_id)
        .first()
    )


def ref_for_applicant(user, public_id, business_ids: Collection[int] | None = None) -> Application | None:
    """The same scoped lookup as `for_applicant`, without the form and the related rows: for views that only
    hand the application to a service (which locks and reads it again) and redirect by its id and status."""
    if business_ids is not None and user is not None and user.is_authenticated:
        # The shape every submission takes: compiled once per process (esb.compiled).
        return _REF.first(list(business_ids), user.pk, public_id)
    return (
        visible_to(user, business_ids).filter(public_id=public_id).only("pk", "public_id", "status").first()
    )


_REF = CompiledQuery(
    lambda business_ids, user_id, public_id: (
        Application.objects.filter(
            Q(business_id__in=business_ids) | Q(applicant_id=user_id, business__isnull=True),
            discarded_at__isnull=True,
            public_id=public_id,
        )
        .only("pk", "public_id", "status")
        .order_by("pk")[:1]
    )
)


def timeline(application: Application) -> list[ApplicationEvent]:
    return list(application.events.order_by("at", "id"))


def revisions(application: Application) -> list[ApplicationRevision]:
    return list(application.revisions.order_by("number"))


def version_changes(
    revisions: list[ApplicationRevision],
    fields: Mapping[str, FormField],
    show: Callable[[FormField, object], str],
) -> list[dict]:
    """What each resubmitted version changed against the one before: label, before and after as the
    applicant reads them (`show` renders an answer), or a new document."""
    changes: list[dict] = []
    for previous, current in itertools.pairwise(revisions):
        for key in current.changed_fields:
            form_field = fields.get(key)
            if form_field is None or form_field.field_type == "file":
                label = form_field.label if form_field else key
                changes.append({"revision": current.number, "label": label, "document": True})
                continue
            before, after = previous.answers.get(key), current.answers.get(key)
            changes.append(
                {
                    "revision": current.number,
                    "label": form_field.label,
                    "before": show(form_field, before) if before not in (None, "") else "",
                    "after": show(form_field, after) if after not in (None, "") else "",
                }
            )
    return changes


@dataclass(frozen=True)
class SubmittedAnswer:
    label: str
    value: str  # as the applicant reads it; "" when not given
    documents: list[ApplicationDocument]  # for a file field: the files of that version


@dataclass(frozen=True)
class SubmittedSection:
    title: str
    answers: list[SubmittedAnswer]


def submitted_answers(
    revision: ApplicationRevision,
    steps: list[FormStep],
    show: Callable[[FormField, object], str],
) -> list[SubmittedSection]:
    """One submitted version's answers and documents, grouped by the form's steps in order, read-only.

    Reads the version's own snapshot (`answers`, `document_ids`), so an earlier version shows what was sent
    then, not what the application holds now."""
    files: dict[str, list[ApplicationDocument]] = {}
    for document in revision.application.documents.filter(pk__in=revision.document_ids).order_by("pk"):
        files.setdefault(document.field_key, []).append(document)
    sections = []
    for step in steps:
        rows = []
        for form_field in step.fields.all():
            if form_field.field_type == "file":
                found = files.get(form_field.key, [])
                rows.append(SubmittedAnswer(form_field.label, "", found))
                continue
            raw = revision.answers.get(form_field.key)
            value = show(form_field, raw) if raw not in (None, "", [], {}) else ""
            rows.append(SubmittedAnswer(form_field.label, value, []))
        sections.append(SubmittedSection(step.title, rows))
    return sections


def registry_now(application: Application, fields: Iterable[FormField]) -> Prefill:
    """What the registries hold today for the answers this application was prefilled from, read through the
    same prefill sources as the applicant's form was: the reviewing officer sets it beside what the applicant
    declared. `fields` are the application's form fields (already loaded by the caller); only those that were
    prefilled are looked up. `records_read` says which registry records were read, for the data-access log."""
    prefilled = application.prefilled or {}
    wanted = [f for f in fields if f.key in prefilled and f.prefill_source]
    if not wanted:
        return Prefill()
    issue = application.reference or str(application.public_id)
    return resolve(wanted, user=application.applicant, business=application.business, issue=issue)


def documents(application: Application, *, current_only: bool = True) -> list[ApplicationDocument]:
    qs = application.documents.select_related("document_type")
    if current_only:
        qs = qs.filter(replaced_at__isnull=True)
    return list(qs.order_by("field_key", "-uploaded_at"))


def document_for(application: Application, document_id: int) -> ApplicationDocument | None:
    return application.documents.filter(pk=document_id).first()


@dataclass
class Dashboard:
    business: object | None
    waiting: list[Application] = field(default_factory=list)  # returned, or waiting for payment
    drafts: list[Application] = field(default_factory=list)
    in_progress: list[Application] = field(default_factory=list)
    decided: list[Application] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def dashboard(user, business) -> Dashboard:
    """The applicant's portal for the business acted for (or their own applications without a business)."""
    # The answers are an encrypted document: not needed for a list, and decrypting them is the costly part.
    qs = visible_to(user).select_related("licence_type__institution", "service").defer("answers")
    qs = qs.filter(business=business) if business is not None else qs.filter(business__isnull=True)
    board = Dashboard(business=business)
    for application in qs.order_by("-updated_at")[:500]:
        board.counts[application.status] = board.counts.get(application.status, 0) + 1
        if application.status == Status.RETURNED or (
            application.status == Status.DRAFT and application.payment_requested_at
        ):
            board.waiting.append(application)
        elif application.status == Status.DRAFT:
            board.drafts.append(application)
        elif application.status in (Status.SUBMITTED, Status.REVIEWING):
            board.in_progress.append(application)
        else:
            board.decided.append(application)
    return board
