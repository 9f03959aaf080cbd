"""`seed_demo_data`: the demo data files seeded in the order of demo_data/seed.yaml, idempotent, refused in
production, and a malformed file refused with its name and key before anything is kept."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from esb import demo_data
from esb.models import AuditEvent
from licensing.models import FormField, LicenceType
from registry.models import Business, Institution, Person

pytestmark = pytest.mark.django_db

DATA = Path(demo_data.data_dir())


@pytest.fixture
def demo_dir(tmp_path, monkeypatch) -> Path:
    """A copy of demo_data/ that a test may break; the loaders read it instead of the real one."""
    copy = tmp_path / "demo_data"
    shutil.copytree(DATA, copy)
    monkeypatch.setattr(demo_data, "data_dir", lambda: copy)
    return copy


def _edit(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo_data", *args, stdout=out)
    return out.getvalue()


def test_refused_in_production_with_a_clear_message(settings, reference_data):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run when ESB_ENV=production"):
        _seed()
    with pytest.raises(CommandError, match="ESB_ENV=production"):
        _seed("--list-logins")
    assert not Institution.objects.exists() and not AuditEvent.objects.exists()


def test_seeding_twice_changes_nothing_the_second_time(reference_data):
    first = _seed()
    counts = {m.__name__: m.objects.count() for m in (Institution, Person, Business, LicenceType, FormField)}
    audit_rows = AuditEvent.objects.count()
    assert counts["LicenceType"] == 6 and counts["Person"] == 31 and counts["Business"] == 21
    assert "form v1, workflow v1" in first
    second = _seed()
    assert {
        m.__name__: m.objects.count() for m in (Institution, Person, Business, LicenceType, FormField)
    } == (counts)
    assert AuditEvent.objects.count() == audit_rows  # not one write the second time
    assert "already there" in second and "form v1" not in second
    # the catalog was written through the audited services, as the back-office does
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "registry.institution.create",
        "licensing.licence_type_created",
        "licensing.form_draft_edited",
        "licensing.form_published",
        "licensing.workflow_published",
        "portal.faq_created",
    } <= actions


def test_the_logins_say_who_owns_or_represents_which_business_and_who_is_which_officer(reference_data):
    out = _seed("--list-logins")
    lines = out.splitlines()
    sok = next(line for line in lines if "(010234567)" in line)
    assert "owner of Angkor Smile Travel & Tours Co., Ltd. (1000000101)" in sok
    chan = next(line for line in lines if "(010456712)" in line)
    assert "representative of Khmer Pharma Co., Ltd. (1000000108)" in chan
    officer = next(line for line in lines if "OFF-MOC-001" in line)
    assert "Ministry of Commerce" in officer and "Department of Business Registration" in officer
    assert "OFF-SYS-001" in out and "national" in out
    assert not Institution.objects.exists()  # --list-logins reads the files, it seeds nothing


@pytest.mark.parametrize(
    ("file", "change", "key", "message"),
    [
        (
            "catalog/services/MOT-HL-001.yaml",
            lambda d: d["form"][2]["fields"][0].update(type="colour"),
            "form[2].fields[0].type",
            "'colour' is not one of",
        ),
        (
            "catalog/services/MOT-HL-001.yaml",
            lambda d: d["workflow"].append({"use": "approval"}),
            "workflow[4].use",
            "unknown workflow step 'approval'",
        ),
        (
            "catalog/services/MOT-TA-002.yaml",
            lambda d: d["form"][1]["with"].pop("prefix"),
            "form[1].with",
            "needs the parameter 'prefix'",
        ),
        (
            "catalog/services/MOC-BN-001.yaml",
            lambda d: d["documents"][0].update(type="PASSPORT_SCAN"),
            "documents[0].type",
            "not in catalog/document_types.yaml",
        ),
        (  # refused by the model itself (FormField.key validator), reported at the field it came from
            "catalog/services/MOT-HL-001.yaml",
            lambda d: d["form"][2]["fields"][1].update(key="Establishment Name"),
            "form[2].fields[1]",
            "step 3, item 2: key:",
        ),
        (  # the same inside a shared part: reported at the `use:` that brought it in, naming the part
            "catalog/form_parts.yaml",
            lambda d: d["field_groups"]["employees"][0]["validation"].update(min=10, max=1),
            "form[2].fields[0] (field group 'employees' of catalog/form_parts.yaml)[0]",
            "refused: step 3, item 1: validation:",
        ),
        (
            "catalog/services/MOC-BN-001.yaml",
            lambda d: d.update(processing_days="two"),
            "processing_days",
            "must be a whole number",
        ),
        (
            "businesses.yaml",
            lambda d: d["businesses"]["1000000101"].pop("name_en"),
            "1000000101.name_en",
            "missing",
        ),
        (
            "businesses.yaml",
            lambda d: d["businesses"]["1000000102"]["owners"].append("nobody"),
            "businesses.1000000102.owners[1]",
            "'nobody' is not a person of people.yaml",
        ),
        (
            "people.yaml",
            lambda d: d["people"]["sok_dara"].update(shoe_size=42),
            "sok_dara.shoe_size",
            "unknown key",
        ),
        (
            "institutions.yaml",
            lambda d: d["institutions"][0].pop("departments"),
            "[0].departments",
            "missing",
        ),
        (
            "officers.yaml",
            lambda d: d["officers"][0].update(role="janitor"),
            "officers[0].role",
            "not a role",
        ),
        ("faq.yaml", lambda d: d["faqs"][1].update(category="gossip"), "faqs[1].category", "not one of"),
    ],
)
def test_a_malformed_entry_is_refused_naming_file_and_key(
    demo_dir, reference_data, file, change, key, message
):
    _edit(demo_dir / file, change)
    with pytest.raises(CommandError) as refused:
        _seed()
    text = str(refused.value)
    assert file in text and key in text and message in text, text
    # one transaction: nothing that came before the bad entry is kept
    assert not Institution.objects.exists() and not LicenceType.objects.exists()


def test_a_file_that_is_not_yaml_is_refused_with_its_line(demo_dir, reference_data):
    path = demo_dir / "catalog" / "sectors.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - code: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"catalog/sectors.yaml: line \d+, column \d+: not valid YAML"):
        _seed()


def test_a_step_or_field_group_is_defined_in_one_place():
    """No service repeats a step another service has (shared steps are `use:`d from the parts files)."""
    seen: dict[str, str] = {}
    for name in demo_data.files("catalog/services"):
        service, _where = demo_data.read(name)
        for step in service["form"] + service["workflow"]:
            if "use" in step:
                continue
            signature = yaml.safe_dump(step, sort_keys=True)
            assert signature not in seen, f"{name} repeats a step of {seen.get(signature)}: use a part"
            seen[signature] = name
            for field in step.get("fields", []):
                if "use" not in field:
                    text = yaml.safe_dump(field, sort_keys=True)
                    assert seen.get(text, name) == name, f"{name} repeats a field of {seen[text]}"
                    seen[text] = name
    # the shared parts are really shared
    parts, _where = demo_data.read("catalog/form_parts.yaml")
    uses = [
        item.get("use")
        for name in demo_data.files("catalog/services")
        for step in demo_data.read(name)[0]["form"]
        for item in [step, *(step.get("fields") or [] if isinstance(step.get("fields"), list) else [])]
    ]
    for part in [*parts["steps"], *parts["field_groups"]]:
        assert uses.count(part) >= 2, part
    workflow_parts, _where = demo_data.read("catalog/workflow_parts.yaml")
    workflow_uses = [
        step.get("use")
        for name in demo_data.files("catalog/services")
        for step in demo_data.read(name)[0]["workflow"]
    ]
    for part in workflow_parts["steps"]:
        assert workflow_uses.count(part) >= 2, part
