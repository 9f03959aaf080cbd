"""Every publication rule has a failing case with the message an administrator sees."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from esb.models import AuditEvent
from licensing import services
from licensing.models import DefinitionStatus, FormField, FormStep, WorkflowStep

from .factories import (
    ChecklistItemFactory,
    DepartmentFactory,
    DocumentTypeFactory,
    FormFieldFactory,
    FormStepFactory,
    valid_form_draft,
    valid_workflow_draft,
)

pytestmark = pytest.mark.django_db


def _field(draft, key):
    return FormField.objects.get(definition=draft, key=key)


def _update(draft, field_key, **changes):
    FormField.objects.filter(definition=draft, key=field_key).update(**changes)


def _add(draft, **kwargs):
    step = FormStep.objects.get(definition=draft, key="business")
    return FormFieldFactory(step=step, **kwargs)


FORM_CASES = {
    "no steps": (lambda d: d.steps.all().delete(), "The form has no steps"),
    "step without fields": (
        lambda d: FormStepFactory(definition=d, key="empty", title_en="Empty step"),
        "Step “Empty step”: it has no fields.",
    ),
    "bad step key": (
        lambda d: FormStep.objects.filter(definition=d, key="documents").update(key="Docs-1"),
        "The key “Docs-1” must start with a lowercase letter",
    ),
    "bad field key": (
        lambda d: _update(d, "activity", key="2activity"),
        "Field “2activity” (step “Step",
    ),
    "missing Khmer label": (lambda d: _update(d, "single_id", label_km=""), "The Khmer label is missing."),
    "missing English label": (
        lambda d: _update(d, "single_id", label_en="  "),
        "The English label is missing.",
    ),
    "missing step title": (
        lambda d: FormStep.objects.filter(definition=d, key="documents").update(title_km=""),
        "the Khmer title is missing.",
    ),
    "choice without choices": (
        lambda d: _update(d, "kind", validation={"choices": []}),
        "A choice field needs at least one choice.",
    ),
    "choice without English label": (
        lambda d: _update(
            d, "kind", validation={"choices": [{"value": "a", "label_km": "ក", "label_en": ""}]}
        ),
        "Choice “a” has no English label.",
    ),
    "duplicate choice values": (
        lambda d: _update(
            d,
            "kind",
            validation={
                "choices": [
                    {"value": "a", "label_km": "ក", "label_en": "A"},
                    {"value": "a", "label_km": "ខ", "label_en": "B"},
                ]
            },
        ),
        "The choice value “a” is used more than once.",
    ),
    "file without document type": (
        lambda d: _update(d, "id_card", validation={}),
        "A file field must name the document type it collects.",
    ),
    "file with a document the licence does not require": (
        lambda d: (
            DocumentTypeFactory(code="LEASE"),
            _update(d, "id_card", validation={"document_type": "LEASE"}),
        ),
        "The document type “LEASE” is not among the documents this licence type requires",
    ),
    "undeclared prefill source": (
        lambda d: _update(d, "single_id", prefill_source="business.tax_number"),
        "“business.tax_number” is not a declared prefill source.",
    ),
    "prefill source of another type": (
        lambda d: _update(d, "employees", prefill_source="business.name_en"),
        "cannot be prefilled from “business.name_en”",
    ),
    "gender prefill without the registry's values": (
        lambda d: _update(d, "kind", prefill_source="owner.gender"),
        "must offer the choice values FEMALE, MALE.",
    ),
    "locked without prefill": (
        lambda d: _update(d, "activity", prefill_locked=True),
        "Only a prefilled field can be locked",
    ),
    "numeric min above max": (
        lambda d: _update(d, "employees", validation={"min": 10, "max": 5}),
        "The minimum (10) is greater than the maximum (5).",
    ),
    "whole-number bound that is not whole": (
        lambda d: _update(d, "employees", validation={"min": 1.5}),
        "“min” must be a whole number.",
    ),
    "date bound that is not a date": (
        lambda d: _add(d, key="opened", field_type="date", validation={"max": "31/12/2020"}),
        "“max” must be a date written YYYY-MM-DD, or “today”.",
    ),
    "date min after date max": (
        lambda d: _add(
            d, key="opened", field_type="date", validation={"min": "2030-01-01", "max": "2020-01-01"}
        ),
        "The minimum (2030-01-01) is greater than the maximum (2020-01-01).",
    ),
    "length min above max": (
        lambda d: _update(d, "single_id", validation={"min_length": 9, "max_length": 3}),
        "The minimum length (9) is greater than the maximum length (3).",
    ),
    "pattern that does not compile": (
        lambda d: _update(d, "single_id", validation={"pattern": "^[0-9"}),
        "The pattern is not a valid regular expression",
    ),
    "rule that does not apply to the type": (
        lambda d: _update(d, "address", validation={"pattern": ".*"}),
        "The rule “pattern” does not apply to a field of type “Address (gazetteer)”.",
    ),
    "validation that is not an object": (
        lambda d: _update(d, "single_id", validation=["min", 1]),
        "The validation rules must be an object",
    ),
}


def test_the_valid_draft_publishes():
    draft = valid_form_draft()
    assert services.validate_definition(draft) == []
    services.publish_form(draft)
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.PUBLISHED


@pytest.mark.parametrize("case", FORM_CASES.keys())
def test_form_rule(case):
    mutate, expected = FORM_CASES[case]
    draft = valid_form_draft()
    mutate(draft)
    with pytest.raises(services.DefinitionInvalid) as exc:
        services.publish_form(draft)
    assert any(expected in message for message in exc.value.messages), exc.value.messages
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT
    assert not AuditEvent.objects.filter(action="licensing.form_published").exists()


def test_every_problem_is_reported_at_once():
    draft = valid_form_draft()
    _update(draft, "single_id", label_en="")
    _update(draft, "employees", validation={"min": 10, "max": 5})
    FormStepFactory(definition=draft, key="empty")
    problems = services.validate_definition(draft)
    assert len(problems) == 3


def test_field_keys_are_unique_within_the_definition():
    draft = valid_form_draft()
    documents = FormStep.objects.get(definition=draft, key="documents")
    duplicate = FormField(step=documents, key="single_id", field_type="text", label_km="ក", label_en="A")
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "Another field of this form already uses the key “single_id”." in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    # The same key in another form is fine.
    assert valid_form_draft().fields.filter(key="single_id").exists()


def test_a_field_is_checked_when_saved_in_the_backoffice_form():
    draft = valid_form_draft()
    field = _field(draft, "employees")
    field.validation = {"min": 10, "max": 5}
    with pytest.raises(ValidationError) as exc:
        field.full_clean()
    assert "The minimum (10) is greater than the maximum (5)." in str(exc.value)


def _wstep(draft, key):
    return WorkflowStep.objects.get(definition=draft, key=key)


WORKFLOW_CASES = {
    "no steps": (lambda d: d.steps.all().delete(), "The workflow has no steps"),
    "step without a role": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(role=None),
        "no role is assigned to act at this step.",
    ),
    "step without actions": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(allowed_actions=[]),
        "it allows no action.",
    ),
    "unknown action": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(
            allowed_actions=["recommend", "escalate"]
        ),
        "unknown actions: escalate.",
    ),
    "last step cannot approve": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="decision").update(
            allowed_actions=["reject"]
        ),
        "it is the last step, so it must allow “Approve”.",
    ),
    "approval before the last step": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="reception").update(
            allowed_actions=["approve", "forward"]
        ),
        "only the last step can approve.",
    ),
    "a middle step that cannot pass the application on": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(allowed_actions=["return"]),
        "it is not the last step, so it must allow “Forward” or “Recommend”.",
    ),
    "department of another institution": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(
            department=DepartmentFactory(name_en="Foreign Department")
        ),
        "the department “Foreign Department” does not belong to",
    ),
    "SLA of zero days": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(sla_working_days=0),
        "the SLA must be at least 1 working day.",
    ),
    "missing Khmer name": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(name_km=""),
        "the Khmer name is missing.",
    ),
    "bad step key": (
        lambda d: WorkflowStep.objects.filter(definition=d, key="review").update(key="Review"),
        "The key “Review” must start with a lowercase letter",
    ),
    "checklist item without an English label": (
        lambda d: ChecklistItemFactory(step=_wstep(d, "decision"), label_en=""),
        "needs both a Khmer and an English label.",
    ),
}


def test_the_valid_workflow_publishes():
    draft = valid_workflow_draft()
    assert services.validate_definition(draft) == []
    services.publish_workflow(draft)
    assert draft.status == DefinitionStatus.PUBLISHED


@pytest.mark.parametrize("case", WORKFLOW_CASES.keys())
def test_workflow_rule(case):
    mutate, expected = WORKFLOW_CASES[case]
    draft = valid_workflow_draft()
    mutate(draft)
    with pytest.raises(services.DefinitionInvalid) as exc:
        services.publish_workflow(draft)
    assert any(expected in message for message in exc.value.messages), exc.value.messages
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT


def test_messages_name_the_step():
    draft = valid_workflow_draft()
    WorkflowStep.objects.filter(definition=draft, key="review").update(
        sla_working_days=0, name_en="Technical review"
    )
    problems = services.validate_definition(draft)
    assert problems == ["Step “Technical review”: the SLA must be at least 1 working day."]


def test_only_a_draft_can_be_published():
    draft = valid_form_draft()
    services.publish_form(draft)
    with pytest.raises(services.DefinitionInvalid) as exc:
        services.publish_form(draft)
    assert "Only a draft can be published; version 1 is Published." in exc.value.messages
