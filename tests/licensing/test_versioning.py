"""Drafts copy the latest version; publishing retires the previous one and leaves it untouched."""

import pytest
from django.forms.models import model_to_dict

from esb.audit import verify_chain
from esb.models import AuditEvent
from licensing import selectors, services
from licensing.models import ChecklistItem, DefinitionStatus, FormDefinition, FormField, WorkflowStep

from .factories import (
    InstitutionFactory,
    LicenceTypeFactory,
    SectorFactory,
    publish_valid_form,
    publish_valid_workflow,
    valid_form_draft,
)

pytestmark = pytest.mark.django_db

_IDS = ("id", "definition", "step")


def _form_content(definition: FormDefinition) -> list:
    return [
        (
            model_to_dict(step, exclude=_IDS),
            [model_to_dict(f, exclude=_IDS) for f in step.fields.order_by("order", "id")],
        )
        for step in definition.steps.order_by("order", "id")
    ]


def _workflow_content(definition) -> list:
    return [
        (
            model_to_dict(step, exclude=_IDS),
            [model_to_dict(i, exclude=_IDS) for i in step.checklist_items.order_by("order", "id")],
        )
        for step in definition.steps.order_by("order", "id")
    ]


def _rows(definition) -> list[dict]:
    """Every stored column of a version and its children, ids included (to prove nothing moved)."""
    rows = [model_to_dict(type(definition).objects.get(pk=definition.pk))]
    for step in definition.steps.order_by("id"):
        rows.append(model_to_dict(step))
        children = (
            step.fields.order_by("id") if hasattr(step, "fields") else step.checklist_items.order_by("id")
        )
        rows += [model_to_dict(child) for child in children]
    return rows


def test_a_draft_from_the_published_form_copies_everything(superuser):
    v1 = publish_valid_form()
    v2 = services.create_draft_version(v1.licence_type, services.FORM, superuser)
    assert (v2.version, v2.status, v2.created_from_id) == (2, DefinitionStatus.DRAFT, v1.pk)
    assert _form_content(v2) == _form_content(v1)
    assert (
        FormField.objects.filter(definition=v2).count()
        == FormField.objects.filter(definition=v1).count()
        == 6
    )
    assert not set(v2.steps.values_list("pk", flat=True)) & set(v1.steps.values_list("pk", flat=True))
    event = AuditEvent.objects.get(action="licensing.form_draft_created")
    assert (event.object_id, event.actor_label, event.after["created_from"]) == (
        str(v2.pk),
        "catalog-admin",
        v1.pk,
    )


def test_a_draft_from_the_published_workflow_copies_steps_and_checklists():
    v1 = publish_valid_workflow()
    v2 = services.create_draft_version(v1.licence_type, services.WORKFLOW)
    assert _workflow_content(v2) == _workflow_content(v1)
    assert ChecklistItem.objects.filter(step__definition=v2).count() == 1
    assert list(v2.steps.values_list("role__code", flat=True)) == [
        "reception_officer",
        "technical_officer",
        "approver",
    ]


def test_publishing_v2_retires_v1_and_leaves_its_rows_unchanged(superuser):
    v1 = publish_valid_form()
    before = _rows(v1)
    v2 = services.create_draft_version(v1.licence_type, services.FORM)
    changed = FormField.objects.get(definition=v2, key="employees")
    changed.validation = {"min": 1, "max": 1000}
    changed.save()
    services.publish_form(v2, superuser)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (DefinitionStatus.RETIRED, DefinitionStatus.PUBLISHED)
    assert v1.retired_at is not None and v2.published_by == superuser
    after = _rows(v1)
    assert after[0].pop("status") == DefinitionStatus.RETIRED and after[0].pop("retired_at") is not None
    before[0].pop("status"), before[0].pop("retired_at")
    assert after == before
    assert FormField.objects.get(definition=v1, key="employees").validation == {"min": 0, "max": 500}
    assert selectors.published_form(v1.licence_type) == v2

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "object_id"))
    assert ("licensing.form_retired", str(v1.pk)) in actions
    assert ("licensing.form_published", str(v2.pk)) in actions
    assert list(verify_chain()) == []


def test_one_draft_at_a_time():
    v1 = publish_valid_form()
    services.create_draft_version(v1.licence_type, services.FORM)
    with pytest.raises(services.DefinitionInvalid) as exc:
        services.create_draft_version(v1.licence_type, services.FORM)
    assert "Version 2 of this form is already a draft" in exc.value.messages[0]


def test_the_first_draft_is_empty_and_a_copy_must_come_from_the_same_service():
    licence_type = LicenceTypeFactory()
    first = services.create_draft_version(licence_type, services.WORKFLOW)
    assert (first.version, first.steps.count(), first.created_from) == (1, 0, None)
    foreign = publish_valid_form()
    with pytest.raises(services.DefinitionInvalid):
        services.create_draft_version(licence_type, services.FORM, copy_from=foreign)


def test_a_draft_can_be_copied_from_an_older_version():
    v1 = publish_valid_form()
    v2 = services.create_draft_version(v1.licence_type, services.FORM)
    FormField.objects.filter(definition=v2, key="activity").delete()
    services.publish_form(v2)
    v3 = services.create_draft_version(v1.licence_type, services.FORM, copy_from=v1)
    assert v3.version == 3 and v3.created_from_id == v1.pk
    assert v3.fields.filter(key="activity").exists()


# --- selectors ----------------------------------------------------------------------------------------------


def test_catalog_lists_only_services_that_can_be_applied_for():
    moc = InstitutionFactory(code="MOC", name_en="Ministry of Commerce", name_km="ក្រសួងពាណិជ្ជកម្ម")
    trade = SectorFactory(code="trade")
    ready = LicenceTypeFactory(institution=moc, sector=trade, name_en="Name reservation", name_km="ការកក់ឈ្មោះ")
    publish_valid_form(ready)
    publish_valid_workflow(ready)
    half = LicenceTypeFactory(institution=moc, sector=trade, name_en="Half configured")
    publish_valid_form(half)
    inactive = LicenceTypeFactory(institution=moc, sector=trade, is_active=False)
    publish_valid_form(inactive)
    publish_valid_workflow(inactive)

    assert list(selectors.catalog_services()) == [ready]
    assert set(selectors.catalog_services(applicable_only=False)) == {ready, half}
    assert list(selectors.catalog_services(search="កក់")) == [ready]
    assert list(selectors.catalog_services(search="name RESERVATION")) == [ready]
    assert list(selectors.catalog_services(search="ពាណិជ្ជកម្ម")) == [ready]  # institution name
    assert list(selectors.catalog_services(search="nothing like it")) == []
    assert list(selectors.catalog_services(institution="moc", sector=trade)) == [ready]
    assert list(selectors.catalog_services(institution=InstitutionFactory())) == []


def test_published_workflow_and_versions():
    v1 = publish_valid_workflow()
    v2 = services.create_draft_version(v1.licence_type, services.WORKFLOW)
    assert selectors.published_workflow(v1.licence_type) == v1
    steps = list(selectors.published_workflow(v1.licence_type).steps.all())
    assert [s.key for s in steps] == ["reception", "review", "decision"]
    assert steps[-1].allows("approve")
    versions = selectors.definition_versions(v1.licence_type)
    assert versions.forms == []
    assert versions.workflows == [v2, v1]
    assert WorkflowStep.objects.filter(definition=v2).count() == 3


def test_published_form_is_none_without_publication():
    draft = valid_form_draft()
    assert selectors.published_form(draft.licence_type) is None
