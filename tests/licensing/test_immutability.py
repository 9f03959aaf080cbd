"""A published or retired version never changes: refused by the models and, underneath, by triggers."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.utils import timezone

from licensing import services
from licensing.models import (
    ChecklistItem,
    DefinitionStatus,
    FormDefinition,
    FormField,
    FormStep,
    ImmutableDefinitionError,
    WorkflowDefinition,
    WorkflowStep,
)

from .factories import (
    ChecklistItemFactory,
    FormDefinitionFactory,
    FormFieldFactory,
    FormStepFactory,
    LicenceTypeFactory,
    WorkflowStepFactory,
    publish_valid_form,
    publish_valid_workflow,
    valid_form_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_form():
    return publish_valid_form()


@pytest.fixture
def published_workflow():
    return publish_valid_workflow()


@pytest.fixture
def retired_form(published_form):
    successor = services.create_draft_version(published_form.licence_type, services.FORM)
    services.publish_form(successor)
    published_form.refresh_from_db()
    assert published_form.status == DefinitionStatus.RETIRED
    return published_form


def _refused(call):
    with pytest.raises(ImmutableDefinitionError), transaction.atomic():
        call()


def _refused_by_database(call):
    with pytest.raises(DatabaseError), transaction.atomic():
        call()


# --- model save()/delete() ------------------------------------------------------------------------------


def test_the_error_is_a_clear_permission_denied():
    assert issubclass(ImmutableDefinitionError, PermissionDenied)
    assert "cannot be changed" in str(ImmutableDefinitionError())


@pytest.mark.parametrize("fixture", ["published_form", "retired_form", "published_workflow"])
def test_definition_save_and_delete_are_refused(request, fixture):
    definition = request.getfixturevalue(fixture)
    definition.notes = "sneaky edit"
    _refused(definition.save)
    _refused(definition.delete)
    definition.refresh_from_db()
    assert definition.notes == ""


def test_a_stale_instance_cannot_sneak_an_edit_in():
    draft = valid_form_draft()
    stale = FormDefinition.objects.get(pk=draft.pk)
    services.publish_form(draft)
    stale.notes = "edited after publication"  # the instance still says DRAFT
    _refused(stale.save)


def test_a_retired_version_cannot_come_back(retired_form):
    retired_form.status = DefinitionStatus.PUBLISHED
    _refused(retired_form.save)


def test_a_draft_cannot_be_retired_or_created_published():
    draft = FormDefinitionFactory()
    draft.status = DefinitionStatus.RETIRED
    _refused(draft.save)
    _refused(
        lambda: FormDefinitionFactory(licence_type=LicenceTypeFactory(), status=DefinitionStatus.PUBLISHED)
    )


def test_form_children_are_frozen(published_form):
    step = published_form.steps.first()
    field = FormField.objects.filter(definition=published_form).first()
    step.title_en = "Changed"
    _refused(step.save)
    _refused(step.delete)
    field.label_en = "Changed"
    _refused(field.save)
    _refused(field.delete)
    _refused(lambda: FormFieldFactory(step=step))
    _refused(lambda: FormStepFactory(definition=published_form))


def test_a_field_cannot_be_moved_out_of_a_published_version(published_form):
    field = FormField.objects.filter(definition=published_form).first()
    draft_step = FormStepFactory()
    field.step = draft_step
    _refused(field.save)


def test_workflow_children_are_frozen(published_workflow):
    step = published_workflow.steps.first()
    item = ChecklistItem.objects.filter(step__definition=published_workflow).first()
    step.sla_working_days = 30
    _refused(step.save)
    _refused(step.delete)
    item.label_en = "Changed"
    _refused(item.save)
    _refused(item.delete)
    _refused(lambda: ChecklistItemFactory(step=step))
    _refused(lambda: WorkflowStepFactory(definition=published_workflow))


def test_drafts_stay_editable():
    draft = valid_form_draft()
    field = FormField.objects.filter(definition=draft).first()
    field.label_en = "Edited"
    field.save()
    FormFieldFactory(step=field.step)
    field.delete()
    draft.notes = "work in progress"
    draft.save()
    draft.delete()
    assert not FormDefinition.objects.filter(pk=draft.pk).exists()


# --- database triggers (writes that bypass the models) ---------------------------------------------------


def test_trigger_refuses_queryset_writes_to_published_children(published_form, published_workflow):
    _refused_by_database(lambda: FormField.objects.filter(definition=published_form).update(label_en="x"))
    _refused_by_database(lambda: FormField.objects.filter(definition=published_form).delete())
    _refused_by_database(lambda: FormStep.objects.filter(definition=published_form).update(order=9))
    _refused_by_database(lambda: WorkflowStep.objects.filter(definition=published_workflow).update(role=None))
    _refused_by_database(lambda: ChecklistItem.objects.filter(step__definition=published_workflow).delete())
    step = published_form.steps.first()
    _refused_by_database(
        lambda: FormField.objects.bulk_create(
            [
                FormField(
                    step=step,
                    definition=published_form,
                    key="extra",
                    field_type="text",
                    label_km="ក",
                    label_en="A",
                )
            ]
        )
    )


def test_trigger_refuses_queryset_writes_to_published_definitions(published_form):
    _refused_by_database(lambda: FormDefinition.objects.filter(pk=published_form.pk).update(notes="x"))
    _refused_by_database(lambda: FormDefinition.objects.filter(pk=published_form.pk).update(version=7))
    _refused_by_database(lambda: FormDefinition.objects.filter(pk=published_form.pk).delete())
    _refused_by_database(
        lambda: FormDefinition.objects.bulk_create(
            [FormDefinition(licence_type=LicenceTypeFactory(), version=1, status=DefinitionStatus.PUBLISHED)]
        )
    )


def test_trigger_allows_only_published_to_retired(published_form, retired_form):
    form = publish_valid_form()
    FormDefinition.objects.filter(pk=form.pk).update(
        status=DefinitionStatus.RETIRED, retired_at=timezone.now()
    )
    _refused_by_database(
        lambda: FormDefinition.objects.filter(pk=retired_form.pk).update(status=DefinitionStatus.PUBLISHED)
    )
    workflow = publish_valid_workflow()
    _refused_by_database(
        lambda: WorkflowDefinition.objects.filter(pk=workflow.pk).update(status=DefinitionStatus.DRAFT)
    )
    assert FormDefinition.objects.get(pk=form.pk).status == DefinitionStatus.RETIRED


def test_trigger_keeps_a_field_on_its_steps_definition():
    draft = valid_form_draft()
    other = valid_form_draft()
    field = FormField.objects.filter(definition=draft).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        FormField.objects.filter(pk=field.pk).update(definition=other)


def test_trigger_lets_drafts_change():
    draft = valid_form_draft()
    assert FormField.objects.filter(definition=draft).update(help_en="help") > 0
    assert FormDefinition.objects.filter(pk=draft.pk).update(notes="n") == 1
