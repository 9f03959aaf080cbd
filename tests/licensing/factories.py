"""Factories for the service catalog. Definitions are only ever created as drafts here: a published version
is reached through `licensing.services`, as in production (see `publish_valid_form` and friends)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role
from licensing import services
from licensing.models import (
    ChecklistItem,
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
from registry.models import Department, Institution


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"INST{n}")
    name_km = factory.Sequence(lambda n: f"ក្រសួង {n}")
    name_en = factory.Sequence(lambda n: f"Ministry {n}")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"dept-{n}")
    name_km = factory.Sequence(lambda n: f"នាយកដ្ឋាន {n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")


class SectorFactory(DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sector-{n}")
    name_km = "វិស័យ"
    name_en = factory.Sequence(lambda n: f"Sector {n}")


class DocumentTypeFactory(DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DOC_{n}")
    name_km = "ឯកសារ"
    name_en = factory.Sequence(lambda n: f"Document {n}")


class LicenceTypeFactory(DjangoModelFactory):
    class Meta:
        model = LicenceType

    code = factory.Sequence(lambda n: f"TST-LT-{n:03d}")
    institution = factory.SubFactory(InstitutionFactory)
    sector = factory.SubFactory(SectorFactory)
    name_km = factory.Sequence(lambda n: f"អាជ្ញាប័ណ្ណសាកល្បង {n}")
    name_en = factory.Sequence(lambda n: f"Test licence {n}")
    description_km = "ការពិពណ៌នា"
    description_en = "A test licence"
    fee_amount = 100000
    fee_currency = "KHR"
    processing_days = 5
    validity_months = 12

    class Params:
        free = factory.Trait(fee_amount=0)


class LicenceServiceFactory(DjangoModelFactory):
    class Meta:
        model = LicenceService

    licence_type = factory.SubFactory(LicenceTypeFactory)
    code = factory.LazyAttribute(lambda o: f"{o.licence_type.code}-{o.kind}")
    kind = LicenceService.Kind.NEW
    name_km = "ថ្មី"
    name_en = "New"


class DocumentRequirementFactory(DjangoModelFactory):
    class Meta:
        model = DocumentRequirement

    licence_type = factory.SubFactory(LicenceTypeFactory)
    document_type = factory.SubFactory(DocumentTypeFactory)
    mandatory = True
    accepted_formats = factory.LazyFunction(lambda: ["application/pdf"])
    max_size_mb = 5


class FormDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = FormDefinition

    licence_type = factory.SubFactory(LicenceTypeFactory)
    version = 1


class FormStepFactory(DjangoModelFactory):
    class Meta:
        model = FormStep

    definition = factory.SubFactory(FormDefinitionFactory)
    key = factory.Sequence(lambda n: f"step_{n}")
    order = factory.Sequence(lambda n: n)
    title_km = "ជំហាន"
    title_en = factory.Sequence(lambda n: f"Step {n}")


class FormFieldFactory(DjangoModelFactory):
    class Meta:
        model = FormField

    step = factory.SubFactory(FormStepFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    order = factory.Sequence(lambda n: n)
    field_type = FormField.FieldType.TEXT
    label_km = "ស្លាក"
    label_en = factory.Sequence(lambda n: f"Label {n}")
    validation = factory.LazyFunction(dict)


class WorkflowDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = WorkflowDefinition

    licence_type = factory.SubFactory(LicenceTypeFactory)
    version = 1


class WorkflowStepFactory(DjangoModelFactory):
    class Meta:
        model = WorkflowStep

    definition = factory.SubFactory(WorkflowDefinitionFactory)
    key = factory.Sequence(lambda n: f"wstep_{n}")
    order = factory.Sequence(lambda n: n)
    name_km = "ជំហាន"
    name_en = factory.Sequence(lambda n: f"Workflow step {n}")
    role = factory.LazyFunction(lambda: Role.objects.get(code="technical_officer"))
    allowed_actions = factory.LazyFunction(lambda: ["forward", "return", "comment"])
    sla_working_days = 3


class ChecklistItemFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    step = factory.SubFactory(WorkflowStepFactory)
    order = factory.Sequence(lambda n: n)
    label_km = "ចំណុចត្រួតពិនិត្យ"
    label_en = factory.Sequence(lambda n: f"Check {n}")


# --- named lifecycle states -------------------------------------------------------------------------------


def valid_form_draft(licence_type: LicenceType | None = None, version: int = 1) -> FormDefinition:
    """A draft that passes every publication rule: two steps, prefilled, address, ISIC and file fields."""
    licence_type = licence_type or LicenceTypeFactory()
    document = DocumentTypeFactory(code="NATIONAL_ID")
    DocumentRequirement.objects.get_or_create(licence_type=licence_type, document_type=document)
    draft = FormDefinitionFactory(licence_type=licence_type, version=version)
    business = FormStepFactory(definition=draft, key="business", order=1)
    FormFieldFactory(step=business, key="single_id", prefill_source="business.single_id", prefill_locked=True)
    FormFieldFactory(
        step=business, key="address", field_type="gazetteer_address", prefill_source="business.address"
    )
    FormFieldFactory(step=business, key="activity", field_type="isic_activity")
    FormFieldFactory(step=business, key="employees", field_type="number", validation={"min": 0, "max": 500})
    FormFieldFactory(
        step=business,
        key="kind",
        field_type="choice",
        validation={"choices": [{"value": "a", "label_km": "ក", "label_en": "A"}]},
    )
    documents = FormStepFactory(definition=draft, key="documents", order=2)
    FormFieldFactory(
        step=documents, key="id_card", field_type="file", validation={"document_type": "NATIONAL_ID"}
    )
    return draft


def valid_workflow_draft(licence_type: LicenceType | None = None, version: int = 1) -> WorkflowDefinition:
    """A draft that passes every publication rule: reception → technical review (checklist) → approver."""
    licence_type = licence_type or LicenceTypeFactory()
    draft = WorkflowDefinitionFactory(licence_type=licence_type, version=version)
    WorkflowStepFactory(
        definition=draft,
        key="reception",
        order=1,
        role=Role.objects.get(code="reception_officer"),
        allowed_actions=["forward", "return", "reject", "comment"],
    )
    review = WorkflowStepFactory(
        definition=draft,
        key="review",
        order=2,
        department=DepartmentFactory(institution=licence_type.institution),
        allowed_actions=["recommend", "return", "comment"],
    )
    ChecklistItemFactory(step=review)
    WorkflowStepFactory(
        definition=draft,
        key="decision",
        order=3,
        role=Role.objects.get(code="approver"),
        allowed_actions=["approve", "reject", "return"],
    )
    return draft


def publish_valid_form(licence_type: LicenceType | None = None, user=None) -> FormDefinition:
    draft = valid_form_draft(licence_type)
    return services.publish_form(draft, user)


def publish_valid_workflow(licence_type: LicenceType | None = None, user=None) -> WorkflowDefinition:
    draft = valid_workflow_draft(licence_type)
    return services.publish_workflow(draft, user)
