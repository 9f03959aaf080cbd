"""Checks that a form or workflow definition is complete and coherent enough to be published.

Each function returns a list of translated, specific sentences (empty when all is well), so the back-office
can show every problem at once instead of the first one. Messages are rendered in the active language.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from licensing import prefill

if TYPE_CHECKING:
    from licensing.models import FormDefinition, FormField, WorkflowDefinition

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_PATTERN_LENGTH = 500

_TEXT_KEYS = {"min_length", "max_length", "pattern"}
ALLOWED_VALIDATION_KEYS: dict[str, set[str]] = {
    # "reference": "country" makes a text field a country picker whose answer is the ISO alpha-2 code.
    prefill.TEXT: _TEXT_KEYS | {"reference"},
    prefill.TEXTAREA: _TEXT_KEYS,
    prefill.EMAIL: _TEXT_KEYS,
    prefill.PHONE: _TEXT_KEYS,
    prefill.NUMBER: {"min", "max"},
    prefill.DECIMAL: {"min", "max"},
    prefill.DATE: {"min", "max"},
    prefill.CHOICE: {"choices"},
    prefill.MULTICHOICE: {"choices"},
    # "multiple": true lets the applicant attach several files (e.g. photographs) to one document field.
    prefill.FILE: {"document_type", "multiple"},
    prefill.BOOLEAN: set(),
    prefill.GAZETTEER_ADDRESS: set(),
    prefill.ISIC_ACTIVITY: set(),
}
TODAY = "today"
_ALL_RULES = set().union(*ALLOWED_VALIDATION_KEYS.values())


def required_document_codes(licence_type_id: int) -> set[str]:
    """Codes of the document types a licence type asks for (the only ones a file field may collect)."""
    from licensing.models import DocumentRequirement

    return set(
        DocumentRequirement.objects.filter(licence_type_id=licence_type_id).values_list(
            "document_type__code", flat=True
        )
    )


def _number(value, *, integer: bool) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if integer and not isinstance(value, int):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(value) -> datetime.date | str | None:
    if value == TODAY:
        return TODAY
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _range_problems(rules: dict, field_type: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    bounds = {}
    for name in ("min", "max"):
        if name not in rules:
            continue
        raw = rules[name]
        if field_type == prefill.DATE:
            parsed = _date(raw)
            if parsed is None:
                problems.append(
                    (name, _("“%(rule)s” must be a date written YYYY-MM-DD, or “today”.") % {"rule": name})
                )
        else:
            parsed = _number(raw, integer=field_type == prefill.NUMBER)
            if parsed is None:
                message = (
                    _("“%(rule)s” must be a whole number.")
                    if field_type == prefill.NUMBER
                    else _("“%(rule)s” must be a number.")
                )
                problems.append((name, message % {"rule": name}))
        bounds[name] = parsed
    low, high = bounds.get("min"), bounds.get("max")
    comparable = (
        low is not None
        and high is not None
        and TODAY not in (low, high)
        and type(low) is type(high)  # both dates or both numbers
    )
    if comparable and low > high:
        problems.append(
            (
                "max",
                _("The minimum (%(min)s) is greater than the maximum (%(max)s).")
                % {"min": rules["min"], "max": rules["max"]},
            )
        )
    return problems


def _length_problems(rules: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    lengths = {}
    for name in ("min_length", "max_length"):
        if name not in rules:
            continue
        value = rules[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append((name, _("“%(rule)s” must be a whole number, 0 or more.") % {"rule": name}))
        else:
            lengths[name] = value
    if "max_length" in lengths and lengths["max_length"] == 0:
        problems.append(("max_length", _("“max_length” must be at least 1.")))
    if len(lengths) == 2 and lengths["min_length"] > lengths["max_length"]:
        problems.append(
            (
                "max_length",
                _("The minimum length (%(min)s) is greater than the maximum length (%(max)s).")
                % {"min": lengths["min_length"], "max": lengths["max_length"]},
            )
        )
    if "pattern" in rules:
        pattern = rules["pattern"]
        if not isinstance(pattern, str) or not pattern:
            problems.append(("pattern", _("The pattern must be a non-empty regular expression.")))
        elif len(pattern) > MAX_PATTERN_LENGTH:
            message = _("The pattern is longer than %(max)s characters.") % {"max": MAX_PATTERN_LENGTH}
            problems.append(("pattern", message))
        else:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(
                    (
                        "pattern",
                        _("The pattern is not a valid regular expression: %(error)s.") % {"error": exc},
                    )
                )
    return problems


def _choice_problems(rules: dict) -> list[tuple[str, str]]:
    return [("choices", message) for message in _choice_messages(rules)]


def _choice_messages(rules: dict) -> list[str]:
    choices = rules.get("choices")
    if not isinstance(choices, list) or not choices:
        return [_("A choice field needs at least one choice.")]
    problems: list[str] = []
    values = []
    for position, choice in enumerate(choices, start=1):
        if not isinstance(choice, dict):
            problems.append(
                _("Choice %(number)s must have a value, a Khmer label and an English label.")
                % {"number": position}
            )
            continue
        value = choice.get("value")
        if not isinstance(value, str) or not value.strip():
            problems.append(_("Choice %(number)s has no value.") % {"number": position})
            continue
        values.append(value)
        for lang_key, message in (
            ("label_km", _("Choice “%(value)s” has no Khmer label.")),
            ("label_en", _("Choice “%(value)s” has no English label.")),
        ):
            label = choice.get(lang_key)
            if not isinstance(label, str) or not label.strip():
                problems.append(message % {"value": value})
        unknown = set(choice) - {"value", "label_km", "label_en"}
        if unknown:
            problems.append(
                _("Choice “%(value)s” has unknown attributes: %(names)s.")
                % {"value": value, "names": ", ".join(sorted(unknown))}
            )
    for value, count in Counter(values).items():
        if count > 1:
            problems.append(_("The choice value “%(value)s” is used more than once.") % {"value": value})
    return problems


def _file_problems(rules: dict, required_codes: set[str] | None) -> list[tuple[str, str]]:
    code = rules.get("document_type")
    if not isinstance(code, str) or not code:
        return [("document_type", _("A file field must name the document type it collects."))]
    if required_codes is not None and code not in required_codes:
        return [
            (
                "document_type",
                _(
                    "The document type “%(code)s” is not among the documents this licence type requires; "
                    "add it to the licence type's document requirements first."
                )
                % {"code": code},
            )
        ]
    return []


def _prefill_problems(field: FormField) -> list[tuple[str, str]]:
    return [("prefill_source", message) for message in _prefill_messages(field)]


def _prefill_messages(field: FormField) -> list[str]:
    problems: list[str] = []
    if not field.prefill_source:
        if field.prefill_locked:
            problems.append(_("Only a prefilled field can be locked; choose a prefill source or unlock it."))
        return problems
    source = prefill.get(field.prefill_source)
    if source is None:
        return [_("“%(key)s” is not a declared prefill source.") % {"key": field.prefill_source}]
    if field.field_type not in source.field_types:
        type_labels = dict(field.FieldType.choices)
        problems.append(
            _("A field of type “%(type)s” cannot be prefilled from “%(key)s” (it needs: %(types)s).")
            % {
                "type": type_labels.get(field.field_type, field.field_type),
                "key": field.prefill_source,
                "types": ", ".join(str(type_labels.get(t, t)) for t in sorted(source.field_types)),
            }
        )
    elif source.choice_values and field.field_type == prefill.CHOICE:
        offered = {c.get("value") for c in field.choices if isinstance(c, dict)}
        missing = [value for value in source.choice_values if value not in offered]
        if missing:
            problems.append(
                _("Prefilled from “%(key)s”, the field must offer the choice values %(values)s.")
                % {"key": field.prefill_source, "values": ", ".join(missing)}
            )
    return problems


def field_problems_by_slot(
    field: FormField, required_codes: set[str] | None, *, check_labels: bool = True
) -> list[tuple[str, str]]:
    """Problems of one field on its own, each with the slot it concerns: a model field name (field_type,
    label_km, label_en, prefill_source), a rule name (min, max, min_length, max_length, pattern, choices,
    document_type) or "rules" for the rule set as a whole. The back-office shows each next to its input."""
    problems: list[tuple[str, str]] = []
    field_type = field.field_type
    if field_type not in ALLOWED_VALIDATION_KEYS:
        return [("field_type", _("“%(type)s” is not a known field type.") % {"type": field_type})]
    if check_labels:
        if not (field.label_km or "").strip():
            problems.append(("label_km", _("The Khmer label is missing.")))
        if not (field.label_en or "").strip():
            problems.append(("label_en", _("The English label is missing.")))
    rules = field.validation
    if rules in (None, ""):
        rules = {}
    if not isinstance(rules, dict):
        return [*problems, ("rules", _("The validation rules must be an object (a JSON dictionary)."))]
    type_label = dict(field.FieldType.choices).get(field_type, field_type)
    for name in sorted(set(rules) - ALLOWED_VALIDATION_KEYS[field_type]):
        problems.append(
            (
                name if name in _ALL_RULES else "rules",
                _("The rule “%(rule)s” does not apply to a field of type “%(type)s”.")
                % {"rule": name, "type": type_label},
            )
        )
    if field_type in (prefill.NUMBER, prefill.DECIMAL, prefill.DATE):
        problems += _range_problems(rules, field_type)
    elif field_type in (prefill.TEXT, prefill.TEXTAREA, prefill.EMAIL, prefill.PHONE):
        problems += _length_problems(rules)
        if "reference" in rules and rules["reference"] != "country":
            problems.append(("reference", _("“reference” can only be “country”.")))
    elif field_type in (prefill.CHOICE, prefill.MULTICHOICE):
        problems += _choice_problems(rules)
    elif field_type == prefill.FILE:
        problems += _file_problems(rules, required_codes)
        if "multiple" in rules and not isinstance(rules["multiple"], bool):
            problems.append(("multiple", _("“multiple” must be true or false.")))
    problems += _prefill_problems(field)
    return problems


def field_config_problems(
    field: FormField, required_codes: set[str] | None, *, check_labels: bool = True
) -> list[str]:
    """Problems of one field on its own (type, labels, validation rules, prefill)."""
    return [
        message for _slot, message in field_problems_by_slot(field, required_codes, check_labels=check_labels)
    ]


def _key_problem(key: str) -> str | None:
    if KEY_RE.match(key or ""):
        return None
    return _(
        "The key “%(key)s” must start with a lowercase letter and use only lowercase letters, digits and "
        "underscores (at most 50)."
    ) % {"key": key}


def form_problems(definition: FormDefinition) -> list[str]:
    """Everything that stops a form definition from being published."""
    problems: list[str] = []
    steps = list(definition.steps.order_by("order", "id").prefetch_related("fields"))
    if not steps:
        return [_("The form has no steps; add at least one step with fields.")]
    required_codes = required_document_codes(definition.licence_type_id)
    step_keys = Counter(step.key for step in steps)
    field_keys = Counter(field.key for step in steps for field in step.fields.all())
    for key, count in step_keys.items():
        if count > 1:
            problems.append(
                _("The step key “%(key)s” is used by %(count)s steps.") % {"key": key, "count": count}
            )
    for key, count in field_keys.items():
        if count > 1:
            problems.append(
                _("The field key “%(key)s” is used by %(count)s fields.") % {"key": key, "count": count}
            )
    for step in steps:
        name = step.title_en or step.title_km or step.key
        step_prefix = _("Step “%(step)s”: %(problem)s")
        if problem := _key_problem(step.key):
            problems.append(step_prefix % {"step": name, "problem": problem})
        if not (step.title_km or "").strip():
            problems.append(step_prefix % {"step": name, "problem": _("the Khmer title is missing.")})
        if not (step.title_en or "").strip():
            problems.append(step_prefix % {"step": name, "problem": _("the English title is missing.")})
        fields = sorted(step.fields.all(), key=lambda f: (f.order, f.id))
        if not fields:
            problems.append(step_prefix % {"step": name, "problem": _("it has no fields.")})
        for field in fields:
            field_problems = field_config_problems(field, required_codes)
            if problem := _key_problem(field.key):
                field_problems.insert(0, problem)
            for problem in field_problems:
                problems.append(
                    _("Field “%(field)s” (step “%(step)s”): %(problem)s")
                    % {"field": field.key, "step": name, "problem": problem}
                )
    return problems


def workflow_problems(definition: WorkflowDefinition) -> list[str]:
    """Everything that stops a workflow definition from being published."""
    from licensing.models import WorkflowAction

    steps = list(
        definition.steps.order_by("order", "id")
        .select_related("department", "role")
        .prefetch_related("checklist_items")
    )
    if not steps:
        return [_("The workflow has no steps; add at least one.")]
    problems: list[str] = []
    institution = definition.licence_type.institution
    known_actions = set(WorkflowAction.values)
    labels = dict(WorkflowAction.choices)
    approve, forward, recommend = WorkflowAction.APPROVE, WorkflowAction.FORWARD, WorkflowAction.RECOMMEND
    for key, count in Counter(step.key for step in steps).items():
        if count > 1:
            problems.append(
                _("The step key “%(key)s” is used by %(count)s steps.") % {"key": key, "count": count}
            )
    last = len(steps) - 1
    for index, step in enumerate(steps):
        name = step.name_en or step.name_km or step.key
        step_problems: list[str] = []
        if problem := _key_problem(step.key):
            step_problems.append(problem)
        if not (step.name_km or "").strip():
            step_problems.append(_("the Khmer name is missing."))
        if not (step.name_en or "").strip():
            step_problems.append(_("the English name is missing."))
        if step.role_id is None:
            step_problems.append(_("no role is assigned to act at this step."))
        actions = list(step.allowed_actions or [])
        unknown = [a for a in actions if a not in known_actions]
        if unknown:
            step_problems.append(_("unknown actions: %(actions)s.") % {"actions": ", ".join(unknown)})
        if not [a for a in actions if a in known_actions]:
            step_problems.append(_("it allows no action."))
        elif index == last and approve not in actions:
            step_problems.append(
                _("it is the last step, so it must allow “%(action)s”.") % {"action": labels[approve]}
            )
        elif index < last:
            if approve in actions:
                step_problems.append(
                    _("it allows “%(action)s” but other steps follow it; only the last step can approve.")
                    % {"action": labels[approve]}
                )
            if forward not in actions and recommend not in actions:
                step_problems.append(
                    _("it is not the last step, so it must allow “%(forward)s” or “%(recommend)s”.")
                    % {"forward": labels[forward], "recommend": labels[recommend]}
                )
        if step.department_id and step.department.institution_id != institution.pk:
            step_problems.append(
                _("the department “%(department)s” does not belong to %(institution)s.")
                % {"department": step.department, "institution": institution}
            )
        if step.sla_working_days is None or step.sla_working_days < 1:
            step_problems.append(_("the SLA must be at least 1 working day."))
        for item in step.checklist_items.all():
            if not (item.label_km or "").strip() or not (item.label_en or "").strip():
                step_problems.append(
                    _("the checklist item “%(item)s” needs both a Khmer and an English label.")
                    % {"item": item.label_en or item.label_km or item.pk}
                )
        problems += [_("Step “%(step)s”: %(problem)s") % {"step": name, "problem": p} for p in step_problems]
    return problems
