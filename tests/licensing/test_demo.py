"""The demo catalog seeds through the services and is idempotent."""

import io

import pytest

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
    Institution.objects.create(code="MOC", name_km="ក្រសួងពាណិជ្ជកម្ម", name_en="MoC (seeded by registry)")
    demo.seed(io.StringIO())
    first = _counts()
    out = io.StringIO()
    demo.seed(out)
    assert _counts() == first
    assert "already there" in out.getvalue()
    # The registry's institution is reused, not duplicated or renamed.
    assert Institution.objects.get(code="MOC").name_en == "MoC (seeded by registry)"
    assert set(Institution.objects.values_list("code", flat=True)) >= {"MOC", "MOT", "MISTI"}


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
        assert 2 <= len(steps) <= 4, lt.code
        assert steps[-1].allows("approve")
        assert all(s.name_km and s.name_en for s in steps)
        assert lt.name_km and lt.description_km and lt.who_needs_km
