"""The forms of the review pages: the queue's filters (a GET form) and the decision panel (one POST form
whose `action` button says which of the step's actions the officer takes).

The decision form checks only what a person can fix on the page (a required field left empty, a choice that
is not offered); whether the action is allowed now — the step, the holder, the version, the checklist — is
`review.services.take_action`'s to decide, under the row lock.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from applications.models import Status
from esb.ids import parse_id
from review.models import ActionKind

A = ActionKind
QUEUE_TABS = (
    ("mine", _("Mine")),
    ("team", _("My team's")),
    ("returned", _("Returned, waiting for the applicant")),
    ("decided", _("Decided")),
)
MAX_TEXT = 5000


class QueueFilters(forms.Form):
    """Filters and search of a work queue. Invalid values are reported and ignored, never a 500."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Reference, Single ID or business name"),
    )
    service = forms.ModelChoiceField(label=_("Service"), queryset=None, required=False, empty_label=_("All"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_("Submitted to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, services, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        statuses = [(value, label) for value, label in Status.choices if value != Status.DRAFT]
        self.fields["status"].choices = [("", _("All")), *statuses]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The valid filters as `review.selectors.queue` takes them (invalid fields are left out)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        service = cleaned.get("service")
        return {
            "service": service.pk if service else None,
            "status": cleaned.get("status") or None,
            "submitted_from": cleaned.get("submitted_from"),
            "submitted_to": cleaned.get("submitted_to"),
            "overdue": bool(cleaned.get("overdue")),
            "search": cleaned.get("q") or "",
        }

    @property
    def is_filtered(self) -> bool:
        return any(value for value in self.filters().values())

    @cached_property
    def service_choices(self) -> list[tuple[Any, str]]:
        """The service filter's options, read in one statement (the field's own choices count the services,
        then read them through a server-side cursor: three round trips on every queue page)."""
        field = self.fields["service"]
        return [("", field.empty_label), *((lt.pk, field.label_from_instance(lt)) for lt in field.queryset)]

    @property
    def has_other_filters(self) -> bool:
        """A filter other than the search is set (or wrong): the filters are shown open."""
        names = ("service", "status", "submitted_from", "submitted_to", "overdue")
        return self.is_bound and (any(self.data.get(name) for name in names) or bool(self.errors))


def posted_version(data) -> int:
    """The application version the page was loaded with; a missing or malformed one is stale (-1)."""
    version = parse_id(data.get("version", ""))
    return version if version is not None else -1


class DecisionForm(forms.Form):
    """Every field of the decision panel; `action` (the button pressed) says which ones count."""

    action = forms.ChoiceField(choices=A.choices)
    checklist = forms.MultipleChoiceField(
        label=_("Checklist"), required=False, widget=forms.CheckboxSelectMultiple
    )
    to_step = forms.ChoiceField(label=_("Forward to"), required=False)
    correct = forms.MultipleChoiceField(
        label=_("What the applicant must correct"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.ChoiceField(label=_("Legal reason"), required=False)
    assignee = forms.ChoiceField(label=_("Officer"), required=False)
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Fields an action cannot go without, and what to say when one is empty.
    REQUIRED = {
        A.RETURN: {
            "correct": _("Choose at least one answer or document to correct."),
            "message": _("Tell the applicant what to correct."),
        },
        A.REJECT: {"reason": _("Choose the legal reason for the rejection.")},
        A.RECOMMEND: {"note": _("Write your recommendation.")},
        A.COMMENT: {"note": _("Write the comment.")},
        A.REASSIGN: {"assignee": _("Choose the officer to give the application to.")},
    }

    def __init__(
        self,
        *args,
        choices: dict[str, list[tuple[str, str]]] | None = None,
        assignees: dict[int, Any] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.assignees = assignees or {}
        for name, options in (choices or {}).items():
            field = self.fields[name]
            field.choices = options if name in ("checklist", "correct") else [("", "—"), *options]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, problem in self.REQUIRED.get(cleaned.get("action"), {}).items():
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, problem)
        return cleaned

    def params(self) -> dict[str, Any]:
        """The keyword arguments of `take_action` for the chosen action (after `is_valid()`)."""
        data = self.cleaned_data
        action = data["action"]
        params: dict[str, Any] = {"note": data.get("note", "")}
        if action in (A.FORWARD, A.RECOMMEND, A.APPROVE):
            params["checklist"] = [int(pk) for pk in data.get("checklist", [])]
        if action == A.FORWARD:
            params["to_step"] = parse_id(data.get("to_step") or "")
        elif action == A.RETURN:
            params.update(fields=data.get("correct", []), message=data.get("message", ""))
        elif action in (A.REJECT, A.APPROVE):
            params["message"] = data.get("message", "")
            if action == A.REJECT:
                params["reason"] = parse_id(data.get("reason") or "")
        elif action == A.REASSIGN:
            params["assignee"] = self.assignees.get(parse_id(data.get("assignee") or ""))
        return params

    @property
    def typed_text(self) -> dict[str, str]:
        """What the officer wrote, as posted (kept even when the panel can no longer show its form)."""
        return {
            name: (self.data.get(name) or "").strip()
            for name in ("message", "note")
            if (self.data.get(name) or "").strip()
        }
