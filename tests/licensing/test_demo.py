"""The demo catalog (demo_data/catalog/) seeds through the services, expands shared parts, is idempotent."""

import io

import pytest

from esb.models import AuditEvent
from licensing import demo
from licensing.models import (
    DefinitionStatus,
    DocumentRequirement,
    FormDefinition,
    FormField,
    LicenceService,
    LicenceType,
    WorkflowDefinition,
    WorkflowStep,
)
from registry.models import Institution

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            LicenceType,
            LicenceService,
            DocumentRequirement,
            FormDefinition,
            FormField,
            WorkflowDefinition,
            WorkflowStep,
        )
    }


def test_seed_twice_changes_nothing_the_second_time():
    demo.seed(io.StringIO())
    first = _counts()
    audit_rows = AuditEvent.objects.count()
    out = io.StringIO()
    demo.seed(out)
    assert _counts() == first and AuditEvent.objects.count() == audit_rows
    assert out.getvalue().count("already there") == 6
    assert set(Institution.objects.values_list("code", flat=True)) >= {"MOC", "MOT", "MISTI"}


def test_an_administrators_later_edit_is_kept():
    demo.seed(io.StringIO())
    LicenceType.objects.filter(code="MOC-BN-001").update(name_en="Name reservation (edited)")
    demo.seed(io.StringIO())
    assert LicenceType.objects.get(code="MOC-BN-001").name_en == "Name reservation (edited)"


def test_shared_steps_are_expanded_per_service():
    demo.seed(io.StringIO())
    hotel = FormDefinition.objects.get(licence_type__code="MOT-HL-001", status=DefinitionStatus.PUBLISHED)
    agency = FormDefinition.objects.get(licence_type__code="MOT-TA-002", status=DefinitionStatus.PUBLISHED)
    # `use: person` with key owner / manager, prefilled from the owner / the representative
    owner = hotel.fields.get(key="owner_identity_number")
    manager = agency.fields.get(key="manager_identity_number")
    assert (owner.prefill_source, manager.prefill_source) == (
        "owner.identity_number",
        "representative.identity_number",
    )
    assert owner.prefill_locked and manager.prefill_locked
    assert agency.steps.get(key="manager").title_en == "Agency manager"
    # `use: documents`: one file field per document the service asks for, named after the document type
    files = list(hotel.fields.filter(field_type="file").order_by("order"))
    requirements = list(
        DocumentRequirement.objects.filter(licence_type__code="MOT-HL-001").order_by("sort_order")
    )
    assert [f.key for f in files] == [f"doc_{r.document_type.code.lower()}" for r in requirements]
    assert [f.required for f in files] == [r.mandatory for r in requirements]
    assert files[0].label_en == requirements[0].document_type.name_en
    # `use: decision` with parameters
    decision = WorkflowStep.objects.get(
        definition__licence_type__code="MISTI-HC-001",
        definition__status=DefinitionStatus.PUBLISHED,
        key="decision",
    )
    assert (decision.role.code, decision.sla_working_days) == ("approver", 3)


def test_demo_services_are_complete():
    demo.seed(io.StringIO())
    licence_types = list(LicenceType.objects.select_related("institution"))
    assert len(licence_types) >= 5
    assert {lt.institution.code for lt in licence_types} >= {"MOC", "MOT", "MISTI"}
    assert any(lt.fee_amount == 0 for lt in licence_types)
    assert {lt.fee_currency for lt in licence_types if lt.fee_amount} == {"KHR", "USD"}
    for lt in licence_types:
        assert lt.document_requirements.exists() and lt.services.exists(), lt.code
        form = FormDefinition.objects.get(licence_type=lt, status=DefinitionStatus.PUBLISHED)
        workflow = WorkflowDefinition.objects.get(licence_type=lt, status=DefinitionStatus.PUBLISHED)
        assert form.published_at and form.version == 1
        assert 2 <= form.steps.count() <= 4, lt.code
        types = set(form.fields.values_list("field_type", flat=True))
        assert {"gazetteer_address", "isic_activity", "file"} <= types, lt.code
        assert form.fields.exclude(prefill_source="").count() >= 3, lt.code
        steps = list(workflow.steps.order_by("order"))
        assert 1 <= len(steps) <= 4, lt.code
        assert steps[-1].allows("approve")
        assert all(s.name_km and s.name_en for s in steps)
        assert steps[-1].role.code == "approver", lt.code  # the approving authority decides
        assert lt.name_km and lt.description_km and lt.who_needs_km
