"""Writes to the service catalog: sectors, document types, licence types with their services and document
requirements, and the versioned definitions (drafts, their steps, publication). Every write is audited.

Versions of one licence type are serialised by locking the licence type row (`select_for_update`), so two
administrators publishing or drafting at the same moment cannot both win; the partial unique constraints
(one draft, one published per licence type) are the last line of defence.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from esb import audit
from esb.versioning import publish_version
from licensing import validation
from licensing.models import (
    ChecklistItem,
    DefinitionStatus,
    DocumentRequirement,
    DocumentType,
    FormDefinition,
    FormField,
    FormStep,
    LicenceService,
    LicenceType,
    Sector,
    WorkflowDefinition,
    WorkflowStep,
)

FORM: Literal["form"] = "form"
WORKFLOW: Literal["workflow"] = "workflow"
DefinitionKind = Literal["form", "workflow"]
Definition = FormDefinition | WorkflowDefinition

_MODELS: dict[str, type[Definition]] = {FORM: FormDefinition, WORKFLOW: WorkflowDefinition}
_KIND_LABELS = {FORM: gettext_lazy("form"), WORKFLOW: gettext_lazy("workflow")}


class DefinitionInvalid(Exception):
    """The definition cannot be drafted or published; `messages` lists every reason, translated."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


class StepInvalid(DefinitionInvalid):
    """A step (or one of its fields / checklist items) given to `set_form_steps` / `set_workflow_steps` is
    refused: `step` and `item` are 0-based positions in the lists given (`item` None: the step itself)."""

    def __init__(self, step: int, item: int | None, error: ValidationError) -> None:
        self.step, self.item, self.error = step, item, error
        where = _("step %(step)s") % {"step": step + 1}
        if item is not None:
            where += ", " + _("item %(item)s") % {"item": item + 1}
        if hasattr(error, "error_dict"):
            details = [f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()]
        else:
            details = list(error.messages)
        super().__init__([f"{where}: {detail}" for detail in details])


def _checked(instance, step: int, item: int | None = None) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise StepInvalid(step, item, exc) from exc
    instance.save()


def kind_of(definition: Definition) -> DefinitionKind:
    return FORM if isinstance(definition, FormDefinition) else WORKFLOW


def kind_label(kind: DefinitionKind) -> str:
    return str(_KIND_LABELS[kind])


def latest_version(licence_type: LicenceType, kind: DefinitionKind) -> Definition | None:
    """The highest-numbered version of that kind (what a new draft is copied from by default)."""
    return _MODELS[kind].objects.filter(licence_type=licence_type).order_by("-version").first()


def _actor(user) -> dict:
    # Seeds and tasks run without a logged-in user; the request context then supplies nothing.
    if user is None or not getattr(user, "pk", None):
        return {}
    return {"actor_id": user.pk, "actor_label": user.get_username()}


def _summary(definition: Definition) -> dict:
    return {
        "licence_type": definition.licence_type.code,
        "version": definition.version,
        "status": definition.status,
        "steps": definition.steps.count(),
        "created_from": definition.created_from_id,
    }


@transaction.atomic
def create_draft_version(
    licence_type: LicenceType,
    kind: DefinitionKind,
    user=None,
    copy_from: Definition | None = None,
) -> Definition:
    """A new DRAFT numbered after the latest version, deep-copying `copy_from` or else the latest version.

    Refused when the licence type already has a draft of that kind: there is one place to edit at a time.
    """
    if kind not in _MODELS:
        raise DefinitionInvalid([_("Unknown definition kind “%(kind)s”.") % {"kind": kind}])
    model = _MODELS[kind]
    LicenceType.objects.select_for_update().get(pk=licence_type.pk)
    versions = model.objects.filter(licence_type=licence_type)
    existing_draft = versions.filter(status=DefinitionStatus.DRAFT).first()
    if existing_draft is not None:
        raise DefinitionInvalid(
            [
                _("Version %(version)s of this %(kind)s is already a draft: edit it, or delete it first.")
                % {"version": existing_draft.version, "kind": _KIND_LABELS[kind]}
            ]
        )
    if copy_from is not None:
        if not isinstance(copy_from, model) or copy_from.licence_type_id != licence_type.pk:
            raise DefinitionInvalid(
                [_("A new version can only be copied from a version of the same service.")]
            )
        source = copy_from
    else:
        source = latest_version(licence_type, kind)
    next_version = (versions.aggregate(v=Max("version"))["v"] or 0) + 1
    draft = model.objects.create(
        licence_type=licence_type,
        version=next_version,
        status=DefinitionStatus.DRAFT,
        created_from=source,
    )
    if source is not None:
        (_copy_form if kind == FORM else _copy_workflow)(source, draft)
    audit.record(f"licensing.{kind}_draft_created", draft, after=_summary(draft), **_actor(user))
    return draft


def _copy_form(source: FormDefinition, target: FormDefinition) -> None:
    for step in source.steps.order_by("order", "id").prefetch_related("fields"):
        fields = list(step.fields.order_by("order", "id"))
        new_step = FormStep.objects.create(
            definition=target,
            key=step.key,
            order=step.order,
            title_km=step.title_km,
            title_en=step.title_en,
            description_km=step.description_km,
            description_en=step.description_en,
        )
        FormField.objects.bulk_create(
            FormField(
                step=new_step,
                definition=target,
                key=f.key,
                order=f.order,
                field_type=f.field_type,
                label_km=f.label_km,
                label_en=f.label_en,
                help_km=f.help_km,
                help_en=f.help_en,
                required=f.required,
                validation=f.validation,
                prefill_source=f.prefill_source,
                prefill_locked=f.prefill_locked,
            )
            for f in fields
        )


def _copy_workflow(source: WorkflowDefinition, target: WorkflowDefinition) -> None:
    for step in source.steps.order_by("order", "id").prefetch_related("checklist_items"):
        new_step = WorkflowStep.objects.create(
            definition=target,
            order=step.order,
            key=step.key,
            name_km=step.name_km,
            name_en=step.name_en,
            role_id=step.role_id,
            department_id=step.department_id,
            allowed_actions=list(step.allowed_actions),
            sla_working_days=step.sla_working_days,
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                step=new_step,
                order=item.order,
                label_km=item.label_km,
                label_en=item.label_en,
                mandatory=item.mandatory,
            )
            for item in step.checklist_items.order_by("order", "id")
        )


def validate_definition(definition: Definition) -> list[str]:
    """Every problem that stops `definition` from being published (empty list: publishable)."""
    if isinstance(definition, FormDefinition):
        return validation.form_problems(definition)
    return validation.workflow_problems(definition)


def _publish(definition: Definition, user) -> Definition:
    model = type(definition)
    kind = kind_of(definition)
    LicenceType.objects.select_for_update().get(pk=definition.licence_type_id)
    locked = model.objects.select_for_update().select_related("licence_type").get(pk=definition.pk)
    if locked.status != DefinitionStatus.DRAFT:
        raise DefinitionInvalid(
            [
                _("Only a draft can be published; version %(version)s is %(status)s.")
                % {"version": locked.version, "status": locked.get_status_display()}
            ]
        )
    problems = validate_definition(locked)
    if problems:
        raise DefinitionInvalid(problems)
    previous = publish_version(locked, by=user)
    if previous is not None:
        audit.record(
            f"licensing.{kind}_retired",
            previous,
            before={"status": DefinitionStatus.PUBLISHED},
            after={"status": DefinitionStatus.RETIRED, "replaced_by_version": locked.version},
            **_actor(user),
        )
    audit.record(
        f"licensing.{kind}_published",
        locked,
        before={"status": DefinitionStatus.DRAFT},
        after={**_summary(locked), "retired_version": previous.version if previous else None},
        **_actor(user),
    )
    # Callers holding the instance see the new state without re-reading it.
    definition.status, definition.published_at = locked.status, locked.published_at
    definition.published_by_id = locked.published_by_id
    return locked


@transaction.atomic
def publish_form(definition: FormDefinition, user=None) -> FormDefinition:
    """Validate the draft form fully, publish it and retire the previously published form version."""
    if not isinstance(definition, FormDefinition):
        raise DefinitionInvalid([_("This is not a form definition.")])
    return _publish(definition, user)


@transaction.atomic
def publish_workflow(definition: WorkflowDefinition, user=None) -> WorkflowDefinition:
    """Validate the draft workflow fully, publish it and retire the previously published workflow version."""
    if not isinstance(definition, WorkflowDefinition):
        raise DefinitionInvalid([_("This is not a workflow definition.")])
    return _publish(definition, user)


def publish(definition: Definition, user=None) -> Definition:
    """Publish a form or a workflow definition (dispatches on its type)."""
    if isinstance(definition, FormDefinition):
        return publish_form(definition, user)
    return publish_workflow(definition, user)


# --- building the catalog (what the back-office creates) ------------------------------------------------
# Each function validates the row as the admin form would (`full_clean`: field validators, `clean()`,
# constraints) and raises django.core.exceptions.ValidationError before writing anything.


def _create(action: str, instance, user):
    instance.full_clean()
    instance.save()
    audit.record(action, instance, after=audit.snapshot(instance), **_actor(user))
    return instance


@transaction.atomic
def create_sector(*, user=None, **fields) -> Sector:
    return _create("licensing.sector_created", Sector(**fields), user)


@transaction.atomic
def create_document_type(*, user=None, **fields) -> DocumentType:
    return _create("licensing.document_type_created", DocumentType(**fields), user)


@transaction.atomic
def create_licence_type(*, user=None, **fields) -> LicenceType:
    """A new service of the catalog (no form or workflow yet: draft them, fill them, publish them)."""
    return _create("licensing.licence_type_created", LicenceType(**fields), user)


@transaction.atomic
def add_licence_service(licence_type: LicenceType, *, user=None, **fields) -> LicenceService:
    """A kind of request the licence type accepts; its code starts with the licence type's code."""
    return _create("licensing.service_created", LicenceService(licence_type=licence_type, **fields), user)


@transaction.atomic
def add_document_requirement(
    licence_type: LicenceType, document_type: DocumentType, *, user=None, **fields
) -> DocumentRequirement:
    return _create(
        "licensing.document_requirement_created",
        DocumentRequirement(licence_type=licence_type, document_type=document_type, **fields),
        user,
    )


def _locked_draft(definition: Definition) -> Definition:
    model = type(definition)
    LicenceType.objects.select_for_update().get(pk=definition.licence_type_id)
    locked = model.objects.select_for_update().select_related("licence_type").get(pk=definition.pk)
    if locked.status != DefinitionStatus.DRAFT:
        raise DefinitionInvalid(
            [
                _("Only a draft can be changed; version %(version)s is %(status)s.")
                % {"version": locked.version, "status": locked.get_status_display()}
            ]
        )
    return locked


def _replace_steps(draft, steps: list[dict], step_model, children_key: str, build_child) -> None:
    """Delete a locked draft's steps and create `steps` in order, each with its children (`children_key`),
    checking every row on the way so a refusal names the step and the child."""
    draft.steps.all().delete()
    for step_order, spec in enumerate(steps, start=1):
        spec = dict(spec)
        children = spec.pop(children_key, [])
        step = step_model(definition=draft, order=step_order, **spec)
        _checked(step, step_order - 1)
        for child_order, child_spec in enumerate(children, start=1):
            _checked(build_child(step, child_order, child_spec), step_order - 1, child_order - 1)


@transaction.atomic
def set_form_steps(draft: FormDefinition, steps: list[dict], user=None) -> FormDefinition:
    """Replace every step of a draft form by `steps`, in order (StepInvalid names the step and field refused).
    Each step is a dict of FormStep fields
    (key, title_km, title_en, description_km, description_en) with `fields`: a list of dicts of FormField
    fields (key, field_type, label_km, label_en, help_km, help_en, required, validation, prefill_source,
    prefill_locked). Steps and fields are numbered in the order given."""
    if not isinstance(draft, FormDefinition):
        raise DefinitionInvalid([_("This is not a form definition.")])
    locked = _locked_draft(draft)
    _replace_steps(
        locked,
        steps,
        FormStep,
        "fields",
        lambda step, order, spec: FormField(step=step, definition=locked, order=order, **spec),
    )
    audit.record("licensing.form_draft_edited", locked, after=_summary(locked), **_actor(user))
    return locked


@transaction.atomic
def set_workflow_steps(draft: WorkflowDefinition, steps: list[dict], user=None) -> WorkflowDefinition:
    """Replace every step of a draft workflow by `steps`, in order. Each step is a dict of WorkflowStep
    fields (key, name_km, name_en, role, department, allowed_actions, sla_working_days) with `checklist`: a
    list of dicts of ChecklistItem fields (label_km, label_en, mandatory)."""
    if not isinstance(draft, WorkflowDefinition):
        raise DefinitionInvalid([_("This is not a workflow definition.")])
    locked = _locked_draft(draft)
    _replace_steps(
        locked,
        steps,
        WorkflowStep,
        "checklist",
        lambda step, order, spec: ChecklistItem(step=step, order=order, **spec),
    )
    audit.record("licensing.workflow_draft_edited", locked, after=_summary(locked), **_actor(user))
    return locked
