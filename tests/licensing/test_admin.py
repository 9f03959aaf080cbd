"""The back-office for the catalog: publish and draft buttons, read-only published versions, auditing."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import OfficerAssignment, Role, User
from esb.models import AuditEvent
from licensing import services
from licensing.models import DefinitionStatus, FormDefinition, FormField, FormStep, WorkflowDefinition

from .factories import (
    DocumentTypeFactory,
    LicenceTypeFactory,
    publish_valid_form,
    publish_valid_workflow,
    valid_form_draft,
    valid_workflow_draft,
)

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"admin:licensing_{name}", args=args)


def test_catalog_pages_render(admin_client):
    licence_type = LicenceTypeFactory(name_en="Hotel licence", name_km="អាជ្ញាប័ណ្ណសណ្ឋាគារ")
    form = publish_valid_form(licence_type)
    workflow = valid_workflow_draft(licence_type)
    for url in (
        _url("licencetype_changelist"),
        _url("licencetype_changelist") + "?q=សណ្ឋាគារ",
        _url("licencetype_change", licence_type.pk),
        _url("licencetype_add"),
        _url("formdefinition_changelist"),
        _url("formdefinition_change", form.pk),
        _url("formstep_change", form.steps.first().pk),
        _url("workflowdefinition_change", workflow.pk),
        _url("workflowstep_change", workflow.steps.first().pk),
        _url("sector_changelist"),
        _url("documenttype_changelist"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.content[:500])
    search = admin_client.get(_url("licencetype_changelist") + "?q=សណ្ឋាគារ")
    assert search.context["cl"].result_count == 1


def test_publish_button_publishes_and_audits(admin_client, superuser):
    draft = valid_form_draft()
    url = _url("formdefinition_publish_detail", draft.pk)
    confirm = admin_client.get(url)
    assert confirm.status_code == 200 and confirm.context["problems"] == []

    response = admin_client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.PUBLISHED and draft.published_by == superuser
    event = AuditEvent.objects.get(action="licensing.form_published")
    assert event.object_id == str(draft.pk) and event.actor_label == "catalog-admin" and event.request_id


def test_publish_button_shows_translated_problems_and_keeps_the_draft(admin_client):
    draft = valid_workflow_draft()
    draft.steps.filter(key="decision").update(allowed_actions=["reject"])
    url = _url("workflowdefinition_publish_detail", draft.pk)
    confirm = admin_client.get(url)
    assert any("must allow “Approve”" in p for p in confirm.context["problems"])

    response = admin_client.post(url, {"confirm": "yes"}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("was not published" in t for t in texts)
    assert any("must allow “Approve”" in t for t in texts)
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT
    assert not AuditEvent.objects.filter(action="licensing.workflow_published").exists()


def test_bulk_publish_action_retires_the_previous_version(admin_client):
    v1 = publish_valid_workflow()
    v2 = services.create_draft_version(v1.licence_type, services.WORKFLOW)
    response = admin_client.post(
        _url("workflowdefinition_changelist"),
        {"action": "publish_selected", "_selected_action": [v2.pk]},
        follow=True,
    )
    assert response.status_code == 200
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (DefinitionStatus.RETIRED, DefinitionStatus.PUBLISHED)
    assert AuditEvent.objects.filter(action="licensing.workflow_retired", object_id=str(v1.pk)).exists()


def test_new_draft_button_copies_and_opens_the_draft(admin_client):
    v1 = publish_valid_form()
    url = _url("formdefinition_new_draft_detail", v1.pk)
    assert admin_client.get(url).status_code == 200  # confirmation, nothing created yet
    assert FormDefinition.objects.count() == 1
    response = admin_client.post(url, {"confirm": "yes"})
    v2 = FormDefinition.objects.get(licence_type=v1.licence_type, version=2)
    assert response.status_code == 302 and response["Location"] == _url("formdefinition_change", v2.pk)
    assert v2.fields.count() == v1.fields.count()

    again = admin_client.post(url, {"confirm": "yes"}, follow=True)  # a draft already exists
    assert any("already a draft" in str(m) for m in again.context["messages"])


def test_first_drafts_are_created_from_the_licence_type_page(admin_client):
    licence_type = LicenceTypeFactory()
    admin_client.post(_url("licencetype_new_form_draft", licence_type.pk), {"confirm": "yes"})
    admin_client.post(_url("licencetype_new_workflow_draft", licence_type.pk), {"confirm": "yes"})
    assert FormDefinition.objects.get(licence_type=licence_type).version == 1
    assert WorkflowDefinition.objects.get(licence_type=licence_type).status == DefinitionStatus.DRAFT


def test_a_published_definition_is_read_only(admin_client):
    form = publish_valid_form()
    response = admin_client.get(_url("formdefinition_change", form.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_change_permission
        assert not inline.has_delete_permission
    assert b'name="notes"' not in response.content
    assert b"publish_detail" not in response.content  # no Publish button on a published version

    assert admin_client.post(_url("formdefinition_change", form.pk), {"notes": "x"}).status_code == 403
    assert admin_client.post(_url("formdefinition_delete", form.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(_url("formdefinition_publish_detail", form.pk)).status_code == 403

    step = form.steps.first()
    step_page = admin_client.get(_url("formstep_change", step.pk))
    assert step_page.context["has_change_permission"] is False
    assert admin_client.post(_url("formstep_change", step.pk), {"title_en": "x"}).status_code == 403
    form.refresh_from_db()
    assert form.notes == "" and FormStep.objects.get(pk=step.pk).title_en == step.title_en


def test_a_draft_step_page_edits_fields_through_plain_inputs(admin_client):
    draft = valid_form_draft()
    step = draft.steps.get(key="documents")
    existing = step.fields.get()
    DocumentTypeFactory(code="LEASE")
    data = {
        "order": step.order,
        "key": step.key,
        "title_km": step.title_km,
        "title_en": "Documents",
        "description_km": "",
        "description_en": "",
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "1",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }

    def row(i, **values):
        base = {
            "order": i,
            "key": "",
            "field_type": "text",
            "label_km": "ស្លាក",
            "label_en": "Label",
            "help_km": "",
            "help_en": "",
            "required": "on",
            "prefill_source": "",
            "rule_min": "",
            "rule_max": "",
            "rule_min_length": "",
            "rule_max_length": "",
            "rule_pattern": "",
            "rule_choices": "",
            "rule_document_type": "",
            "step": step.pk,
        }
        base.update(values)
        return {f"fields-{i}-{k}": v for k, v in base.items()}

    data |= row(0, id=existing.pk, key=existing.key, field_type="file", rule_document_type="NATIONAL_ID")
    data |= row(1, key="size", field_type="choice", rule_choices="s | តូច | Small\nl | ធំ | Large")
    data |= row(2, key="rooms", field_type="number", rule_min="1", rule_max="300")
    response = admin_client.post(_url("formstep_change", step.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert FormField.objects.get(definition=draft, key="rooms").validation == {"min": 1, "max": 300}
    assert FormField.objects.get(definition=draft, key="size").choices[1] == {
        "value": "l",
        "label_km": "ធំ",
        "label_en": "Large",
    }
    assert AuditEvent.objects.filter(action="admin.add", object_type="licensing.formfield").count() == 2

    # A file field collecting a document the licence type does not require is refused, with the reason.
    data |= row(0, id=existing.pk, key=existing.key, field_type="file", rule_document_type="LEASE")
    data["fields-TOTAL_FORMS"] = "1"
    response = admin_client.post(_url("formstep_change", step.pk), data)
    assert response.status_code == 200
    assert "is not among the documents this licence type requires" in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )


def test_duplicate_field_keys_are_reported_not_crashing(admin_client):
    draft = valid_form_draft()
    step = draft.steps.get(key="documents")
    existing = step.fields.get()
    data = {
        "order": step.order,
        "key": step.key,
        "title_km": step.title_km,
        "title_en": step.title_en,
        "fields-TOTAL_FORMS": "2",
        "fields-INITIAL_FORMS": "1",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
        "fields-0-id": existing.pk,
        "fields-0-step": step.pk,
        "fields-0-order": 1,
        "fields-0-key": existing.key,
        "fields-0-field_type": "file",
        "fields-0-label_km": "ក",
        "fields-0-label_en": "A",
        "fields-0-rule_document_type": "NATIONAL_ID",
        "fields-1-step": step.pk,
        "fields-1-order": 2,
        "fields-1-key": "single_id",  # used on the other step
        "fields-1-field_type": "text",
        "fields-1-label_km": "ក",
        "fields-1-label_en": "B",
    }
    response = admin_client.post(_url("formstep_change", step.pk), data)
    assert response.status_code == 200
    assert "already uses the key “single_id”" in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )


def test_publishing_needs_the_publish_permission(client):
    draft = valid_form_draft()
    officer = User.objects.create_user("viewer", password="a-long-test-password", is_staff=True)
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_formdefinition", "change_formdefinition"])
    )
    # an officer sees the back-office only through an active assignment at the service's institution
    OfficerAssignment.objects.create(
        user=officer, role=Role.objects.get(code="report_viewer"), institution=draft.licence_type.institution
    )
    client.force_login(officer)
    assert client.get(_url("formdefinition_change", draft.pk)).status_code == 200
    assert client.post(_url("formdefinition_publish_detail", draft.pk), {"confirm": "yes"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT


def test_licence_type_changes_are_audited_and_codes_locked_once_published(admin_client):
    licence_type = LicenceTypeFactory()
    publish_valid_form(licence_type)
    url = _url("licencetype_change", licence_type.pk)
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = value
    data.update(
        {
            "code": "TST-RENAMED-001",
            "services-TOTAL_FORMS": "0",
            "services-INITIAL_FORMS": "0",
            "document_requirements-TOTAL_FORMS": "1",
            "document_requirements-INITIAL_FORMS": "1",
        }
    )
    requirement = licence_type.document_requirements.get()
    data |= {
        "document_requirements-0-id": requirement.pk,
        "document_requirements-0-licence_type": licence_type.pk,
        "document_requirements-0-document_type": requirement.document_type_id,
        "document_requirements-0-mandatory": "on",
        "document_requirements-0-accepted_formats": ["application/pdf", "image/png"],
        "document_requirements-0-max_size_mb": "5",
        "document_requirements-0-sort_order": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "cannot change once a version" in str(response.context["adminform"].form.errors)

    # The live form collects NATIONAL_ID: the requirement cannot be dropped under it.
    data["code"] = licence_type.code
    response = admin_client.post(url, data | {"document_requirements-0-DELETE": "on"})
    assert response.status_code == 200
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert "collected by the published form (version 1)" in str(
        formsets["document_requirements"].non_form_errors()
    )
    assert licence_type.document_requirements.exists()

    data["name_en"] = "Renamed service"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="admin.change", object_type="licensing.licencetype")
    assert event.before == {"name_en": licence_type.name_en} and event.after == {"name_en": "Renamed service"}
    assert licence_type.document_requirements.get().accepted_formats == ["application/pdf", "image/png"]


def _workflow_post_data(draft, **step_changes) -> dict:
    data = {
        "notes": "",
        "steps-TOTAL_FORMS": str(draft.steps.count()),
        "steps-INITIAL_FORMS": str(draft.steps.count()),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(draft.steps.order_by("order")):
        row = {
            "id": step.pk,
            "definition": draft.pk,
            "order": step.order,
            "key": step.key,
            "name_km": step.name_km,
            "name_en": step.name_en,
            "role": step.role_id,
            "department": step.department_id or "",
            "allowed_actions": list(step.allowed_actions),
            "sla_working_days": step.sla_working_days,
        }
        row.update(step_changes.get(step.key, {}))
        data |= {f"steps-{i}-{k}": v for k, v in row.items()}
    return data


def test_workflow_steps_are_edited_inline_with_checkboxes(admin_client):
    draft = valid_workflow_draft()
    url = _url("workflowdefinition_change", draft.pk)
    data = _workflow_post_data(
        draft, reception={"allowed_actions": ["forward", "comment"], "sla_working_days": 2}
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    reception = draft.steps.get(key="reception")
    assert (reception.allowed_actions, reception.sla_working_days) == (["forward", "comment"], 2)
    assert AuditEvent.objects.filter(action="admin.change", object_type="licensing.workflowstep").exists()


def test_workflow_step_errors_are_shown_next_to_the_input(admin_client):
    from .factories import DepartmentFactory

    draft = valid_workflow_draft()
    url = _url("workflowdefinition_change", draft.pk)
    # Only the departments of the service's institution are offered.
    response = admin_client.post(
        url, _workflow_post_data(draft, review={"department": DepartmentFactory().pk})
    )
    assert response.status_code == 200
    assert "department" in response.context["inline_admin_formsets"][0].formset.errors[1]

    response = admin_client.post(url, _workflow_post_data(draft, review={"key": "reception"}))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "duplicate data for key" in str(formset.non_form_errors())  # shown above the steps


def test_rule_problems_are_shown_under_their_input(admin_client):
    draft = valid_form_draft()
    step = draft.steps.get(key="business")
    data = {
        "order": step.order,
        "key": step.key,
        "title_km": step.title_km,
        "title_en": step.title_en,
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
        "fields-0-step": step.pk,
        "fields-0-order": 9,
        "fields-0-key": "rooms",
        "fields-0-field_type": "number",
        "fields-0-label_km": "បន្ទប់",
        "fields-0-label_en": "Rooms",
        "fields-0-rule_min": "50",
        "fields-0-rule_max": "5",
        "fields-0-rule_pattern": "^[0-9",
        "fields-0-prefill_source": "business.name_en",
    }
    response = admin_client.post(_url("formstep_change", step.pk), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[0]
    assert errors["rule_max"] == ["The minimum (50) is greater than the maximum (5)."]
    assert "does not apply" in errors["rule_pattern"][0]
    assert "cannot be prefilled from “business.name_en”" in errors["prefill_source"][0]
    assert not FormField.objects.filter(definition=draft, key="rooms").exists()
