"""Demo service catalog, read from `demo_data/catalog/`: sectors, document types, and one file per service
(`services/<code>.yaml`: licence type, requests, documents, form, workflow). Steps shared by several services
are defined once in `form_parts.yaml` / `workflow_parts.yaml` and used by reference (`use: business`).

Everything is read and checked first (a malformed entry raises DemoDataError naming file and key, before
any write), then created through `licensing.services`, the functions the back-office uses, so every row
is validated like an admin form and audited. Idempotent by codes: a row is created only when missing (an
administrator's later edits are kept); a form or workflow is filled and published only while the service
has no published version. Needs the institutions (`registry.demo.seed_institutions`) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role
from esb.demo_data import (
    DemoDataError,
    Key,
    Where,
    check_mapping,
    check_value,
    expand,
    files,
    flatten,
    from_part,
    is_use,
    read,
)
from licensing import services
from licensing.models import (
    DefinitionStatus,
    DocumentRequirement,
    DocumentType,
    FormDefinition,
    FormField,
    LicenceService,
    LicenceType,
    Sector,
    WorkflowDefinition,
)
from licensing.models.catalog import SAFE_MIME_TYPES, Currency
from licensing.models.workflows import WorkflowAction
from registry.models import Department, Institution

_TEXT = Key(str)
_OPTIONAL_TEXT = Key(str, required=False)
FORM_PARTS, WORKFLOW_PARTS = "catalog/form_parts.yaml", "catalog/workflow_parts.yaml"
_FORMATS = {label: mime for mime, label in SAFE_MIME_TYPES}  # PDF → application/pdf

SECTOR = {"code": _TEXT, "name_km": _TEXT, "name_en": _TEXT, "sort_order": Key(int, required=False)}
DOCUMENT_TYPE = {
    "code": _TEXT,
    "name_km": _TEXT,
    "name_en": _TEXT,
    "description_km": _OPTIONAL_TEXT,
    "description_en": _OPTIONAL_TEXT,
}
FIELD = {
    "key": _TEXT,
    "type": Key(str, choices=FormField.FieldType.values),
    "label_km": _TEXT,
    "label_en": _TEXT,
    "help_km": _OPTIONAL_TEXT,
    "help_en": _OPTIONAL_TEXT,
    "required": Key(bool, required=False),
    "validation": Key(dict, required=False),
    "prefill": _OPTIONAL_TEXT,
    "locked": Key(bool, required=False),
}
STEP = {
    "params": Key(dict, required=False),  # parts only
    "key": _TEXT,
    "title_km": _TEXT,
    "title_en": _TEXT,
    "description_km": _OPTIONAL_TEXT,
    "description_en": _OPTIONAL_TEXT,
    "fields": Key((list, str)),
}
CHECK = {"label_km": _TEXT, "label_en": _TEXT, "mandatory": Key(bool, required=False)}
WORKFLOW_STEP = {
    "params": Key(dict, required=False),  # parts only
    "key": _TEXT,
    "name_km": _TEXT,
    "name_en": _TEXT,
    "role": _TEXT,
    "department": _OPTIONAL_TEXT,
    "actions": Key(list, items=Key(str, choices=WorkflowAction.values)),
    "sla": Key((int, str)),  # text only as "{{sla}}" in a part
    "checklist": Key(list, required=False, items=CHECK),
}
REQUEST = {
    "code": _TEXT,
    "kind": Key(str, choices=LicenceService.Kind.values),
    "name_km": _TEXT,
    "name_en": _TEXT,
    "fee_override": Key((int, float, str), required=False),
}
DOCUMENT = {
    "type": _TEXT,
    "mandatory": Key(bool, required=False),
    "formats": Key(list, items=Key(str, choices=list(_FORMATS))),
    "max_size_mb": Key(int, required=False),
    # the form's file field takes several files (photographs come several at a time)
    "several_files": Key(bool, required=False),
}
SERVICE = {
    "code": _TEXT,
    "institution": _TEXT,
    "department": _OPTIONAL_TEXT,
    "sector": _TEXT,
    "name_km": _TEXT,
    "name_en": _TEXT,
    "description_km": _OPTIONAL_TEXT,
    "description_en": _OPTIONAL_TEXT,
    "who_needs_km": _OPTIONAL_TEXT,
    "who_needs_en": _OPTIONAL_TEXT,
    "fee_amount": Key((int, float, str)),
    "fee_currency": Key(str, choices=Currency.values),
    "processing_days": Key(int),
    "validity_months": Key((int, type(None)), required=False),
    "services": Key(list, items=REQUEST),
    "documents": Key(list, items=DOCUMENT),
    "form": Key(list),
    "workflow": Key(list),
}


@dataclass
class ServiceData:
    """One service file, checked and with every reference resolved (ready for the services)."""

    where: Where
    code: str
    institution: str
    department: str
    sector: str
    licence_type: dict[str, Any]
    requests: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    form: list[dict[str, Any]]
    workflow: list[dict[str, Any]]


@dataclass
class CatalogData:
    sectors: list[dict]
    document_types: list[dict]
    services: list[ServiceData]


def _decimal(value: Any, where: Where) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise where.error(f"{value!r} is not an amount") from None
    if amount < 0:
        raise where.error("must not be negative")
    return amount


def _listed(name: str, top: str, schema: dict) -> tuple[list[dict], Where]:
    data, where = read(name, top)
    check_value(data, Key(list, items=schema), where)
    seen: set[str] = set()
    for index, entry in enumerate(data):
        if entry["code"] in seen:
            raise (where / index / "code").error(f"{entry['code']!r} is defined twice")
        seen.add(entry["code"])
    return data, where


def _parts(name: str, schema: dict) -> dict:
    data, where = read(name)
    return check_mapping(data, schema, where)


def _form_step(raw: Any, where: Where, field_groups: dict, documents: list[dict], names: dict) -> dict:
    check_mapping(raw, STEP, where)
    if raw["fields"] == "from_documents":
        # One file field per document the service asks for: its label is the document type's name.
        fields = [
            (
                {
                    "key": f"doc_{doc['type'].lower()}",
                    "type": "file",
                    "label_km": names[doc["type"]]["name_km"],
                    "label_en": names[doc["type"]]["name_en"],
                    "required": doc.get("mandatory", True),
                    "validation": {"document_type": doc["type"]}
                    | ({"multiple": True} if doc.get("several_files") else {}),
                },
                where / "fields",
            )
            for doc in documents
        ]
    elif isinstance(raw["fields"], str):
        raise (where / "fields").error("must be a list of fields, or `from_documents`")
    else:
        fields = flatten(raw["fields"], field_groups, where / "fields", "field group", FORM_PARTS)
    built, keys = [], set()
    for field, field_where in fields:
        check_mapping(field, FIELD, field_where)
        if field["key"] in keys:
            raise (field_where / "key").error(f"the key {field['key']!r} is used twice in this step")
        keys.add(field["key"])
        built.append(
            (
                {
                    "key": field["key"],
                    "field_type": field["type"],
                    "label_km": field["label_km"],
                    "label_en": field["label_en"],
                    "help_km": field.get("help_km", ""),
                    "help_en": field.get("help_en", ""),
                    "required": field.get("required", True),
                    "validation": field.get("validation", {}),
                    "prefill_source": field.get("prefill", ""),
                    "prefill_locked": field.get("locked", False),
                },
                field_where,
            )
        )
    return {
        "where": where,
        "key": raw["key"],
        "title_km": raw["title_km"],
        "title_en": raw["title_en"],
        "description_km": raw.get("description_km", ""),
        "description_en": raw.get("description_en", ""),
        "fields": built,
    }


def _workflow_step(raw: Any, where: Where) -> dict:
    check_mapping(raw, WORKFLOW_STEP, where)
    if not isinstance(raw["sla"], int) or isinstance(raw["sla"], bool):
        raise (where / "sla").error(f"must be a whole number of working days, not {raw['sla']!r}")
    return {
        "where": where,
        "key": raw["key"],
        "name_km": raw["name_km"],
        "name_en": raw["name_en"],
        "role": raw["role"],
        "department": raw.get("department", ""),
        "allowed_actions": raw["actions"],
        "sla_working_days": raw["sla"],
        "checklist": [
            {"label_km": c["label_km"], "label_en": c["label_en"], "mandatory": c.get("mandatory", True)}
            for c in raw.get("checklist", [])
        ],
    }


def catalog_data(institutions: dict[str, set[str]] | None = None) -> CatalogData:
    """Every catalog file, checked, with shared parts expanded and codes resolved between files.
    `institutions`: code → department codes (from institutions.yaml when not given)."""
    if institutions is None:
        from registry.demo import institutions_data

        data, _where = institutions_data()
        institutions = {i["code"]: {d["code"] for d in i["departments"]} for i in data}
    sectors, _where = _listed("catalog/sectors.yaml", "sectors", SECTOR)
    document_types, _where = _listed("catalog/document_types.yaml", "document_types", DOCUMENT_TYPE)
    names = {d["code"]: d for d in document_types}
    form_parts = _parts(
        "catalog/form_parts.yaml", {"field_groups": Key(dict, required=False), "steps": Key(dict)}
    )
    form_steps, field_groups = form_parts["steps"], form_parts.get("field_groups", {})
    workflow_steps = _parts(WORKFLOW_PARTS, {"steps": Key(dict)})["steps"]
    sector_codes = {s["code"] for s in sectors}
    result = []
    for name in files("catalog/services"):
        raw, where = read(name)
        check_mapping(raw, SERVICE, where)
        code = raw["code"]
        if name.rsplit("/", 1)[-1] != f"{code}.yaml":
            raise (where / "code").error(f"the file of service {code!r} must be named {code}.yaml")
        if raw["institution"] not in institutions:
            raise (where / "institution").error(f"{raw['institution']!r} is not in institutions.yaml")
        department = raw.get("department", "")
        if department and department not in institutions[raw["institution"]]:
            raise (where / "department").error(
                f"{department!r} is not a department of {raw['institution']} in institutions.yaml"
            )
        if raw["sector"] not in sector_codes:
            raise (where / "sector").error(f"{raw['sector']!r} is not in catalog/sectors.yaml")
        for index, doc in enumerate(raw["documents"]):
            if doc["type"] not in names:
                raise (where / "documents" / index / "type").error(
                    f"{doc['type']!r} is not in catalog/document_types.yaml"
                )
        form = []
        for index, item in enumerate(raw["form"]):
            step_where = where / "form" / index
            step = item
            if is_use(item):
                step = expand(item, form_steps, step_where, "form step")
                step_where = from_part(step_where, "form step", item["use"], FORM_PARTS)
            form.append(_form_step(step, step_where, field_groups, raw["documents"], names))
        workflow = []
        for index, item in enumerate(raw["workflow"]):
            step_where = where / "workflow" / index
            step = item
            if is_use(item):
                step = expand(item, workflow_steps, step_where, "workflow step")
                step_where = from_part(step_where, "workflow step", item["use"], WORKFLOW_PARTS)
            step = _workflow_step(step, step_where)
            if step["department"] and step["department"] not in institutions[raw["institution"]]:
                raise (step_where / "department").error(
                    f"{step['department']!r} is not a department of {raw['institution']}"
                )
            workflow.append(step)
        licence_type = {
            k: raw.get(k, "")
            for k in (
                "name_km",
                "name_en",
                "description_km",
                "description_en",
                "who_needs_km",
                "who_needs_en",
            )
        }
        licence_type.update(
            fee_amount=_decimal(raw["fee_amount"], where / "fee_amount"),
            fee_currency=raw["fee_currency"],
            processing_days=raw["processing_days"],
            validity_months=raw.get("validity_months"),
        )
        requests = []
        for order, request in enumerate(raw["services"], start=1):
            fee = request.get("fee_override")
            requests.append(
                {
                    "code": request["code"],
                    "kind": request["kind"],
                    "name_km": request["name_km"],
                    "name_en": request["name_en"],
                    "fee_override": None
                    if fee is None
                    else _decimal(fee, where / "services" / (order - 1) / "fee_override"),
                    "sort_order": order,
                }
            )
        documents = [
            {
                "type": doc["type"],
                "mandatory": doc.get("mandatory", True),
                "accepted_formats": [_FORMATS[f] for f in doc["formats"]],
                "max_size_mb": doc.get("max_size_mb", 5),
                "sort_order": order,
            }
            for order, doc in enumerate(raw["documents"], start=1)
        ]
        result.append(
            ServiceData(
                where,
                code,
                raw["institution"],
                department,
                raw["sector"],
                licence_type,
                requests,
                documents,
                form,
                workflow,
            )
        )
    if not result:
        raise DemoDataError("catalog/services", "", "no service file (*.yaml)")
    return CatalogData(sectors, document_types, result)


# --- seeding -------------------------------------------------------------------------------------------


def _written(where: Where, write, *args, steps: list[dict] | None = None, **kwargs):
    """Call a service; a row the models refuse is reported at the file and key it came from (for a form or
    a workflow, the step or field that was refused)."""
    try:
        return write(*args, **kwargs)
    except services.StepInvalid as exc:
        if steps is not None:
            step = steps[exc.step]
            items = step.get("fields") or []
            if exc.item is not None and exc.item < len(items) and isinstance(items[exc.item], tuple):
                where = items[exc.item][1]
            else:
                where = step["where"]
        raise where.error(f"refused: {exc}") from exc
    except ValidationError as exc:
        details = (
            "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.message_dict.items())
            if hasattr(exc, "error_dict")
            else " ".join(exc.messages)
        )
        raise where.error(f"refused: {details}") from exc
    except services.DefinitionInvalid as exc:
        raise where.error(f"refused: {exc}") from exc


def _draft(licence_type: LicenceType, kind: services.DefinitionKind):
    model = FormDefinition if kind == services.FORM else WorkflowDefinition
    draft = model.objects.filter(licence_type=licence_type, status=DefinitionStatus.DRAFT).first()
    return draft or services.create_draft_version(licence_type, kind)


def _seed_service(spec: ServiceData, sectors: dict, documents: dict, roles: dict) -> list[str]:
    done = []
    where = spec.where
    licence_type = LicenceType.objects.filter(code=spec.code).first()
    if licence_type is None:
        institution = Institution.objects.get(code=spec.institution)
        department = (
            Department.objects.get(institution=institution, code=spec.department) if spec.department else None
        )
        licence_type = _written(
            where,
            services.create_licence_type,
            code=spec.code,
            institution=institution,
            department=department,
            sector=sectors[spec.sector],
            **spec.licence_type,
        )
        done.append("licence type")
    for index, request in enumerate(spec.requests):
        if not LicenceService.objects.filter(code=request["code"]).exists():
            _written(where / "services" / index, services.add_licence_service, licence_type, **request)
    for index, doc in enumerate(spec.documents):
        values = {k: v for k, v in doc.items() if k != "type"}
        document_type = documents[doc["type"]]
        if not DocumentRequirement.objects.filter(
            licence_type=licence_type, document_type=document_type
        ).exists():
            _written(
                where / "documents" / index,
                services.add_document_requirement,
                licence_type,
                document_type,
                **values,
            )
    if not FormDefinition.objects.filter(
        licence_type=licence_type, status=DefinitionStatus.PUBLISHED
    ).exists():
        draft = _draft(licence_type, services.FORM)
        steps = [
            {**{k: v for k, v in step.items() if k != "where"}, "fields": [f for f, _w in step["fields"]]}
            for step in spec.form
        ]
        _written(where / "form", services.set_form_steps, draft, steps, steps=spec.form)
        _written(where / "form", services.publish_form, draft)
        done.append(f"form v{draft.version}")
    if not WorkflowDefinition.objects.filter(
        licence_type=licence_type, status=DefinitionStatus.PUBLISHED
    ).exists():
        draft = _draft(licence_type, services.WORKFLOW)
        steps = []
        for step in spec.workflow:
            if step["role"] not in roles:
                raise (step["where"] / "role").error(
                    f"{step['role']!r} is not a role ({', '.join(sorted(roles))})"
                )
            department = None
            if step["department"]:
                department = Department.objects.get(
                    institution__code=spec.institution, code=step["department"]
                )
            steps.append(
                {
                    **{k: v for k, v in step.items() if k not in {"where", "role", "department"}},
                    "role": roles[step["role"]],
                    "department": department,
                }
            )
        _written(where / "workflow", services.set_workflow_steps, draft, steps, steps=spec.workflow)
        _written(where / "workflow", services.publish_workflow, draft)
        done.append(f"workflow v{draft.version}")
    return done


@transaction.atomic
def seed_catalog(out=None, **options) -> None:
    catalog = catalog_data()
    sectors = {}
    for entry in catalog.sectors:
        sectors[entry["code"]] = Sector.objects.filter(code=entry["code"]).first() or services.create_sector(
            **entry
        )
    documents = {}
    for entry in catalog.document_types:
        documents[entry["code"]] = DocumentType.objects.filter(
            code=entry["code"]
        ).first() or services.create_document_type(**entry)
    roles = {role.code: role for role in Role.objects.all()}
    for spec in catalog.services:
        done = _seed_service(spec, sectors, documents, roles)
        if out is not None:
            what = ", ".join(done) if done else "already there"
            out.write(f"  licensing: {spec.code} {spec.licence_type['name_en']} — {what}")


@transaction.atomic
def seed(out=None, **options) -> None:
    """The catalog with what it needs (the institutions), for callers that want only the catalog."""
    from registry.demo import seed_institutions

    seed_institutions()
    seed_catalog(out, **options)
