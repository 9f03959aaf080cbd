"""applications.form_builder: forms built from form definitions, parsing what people type."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image

from applications.address_fields import ADDRESS_KEYS, decompress_address
from applications.form_builder import build_step_form, display_answer
from applications.uploads import CheckedUpload
from licensing.models import DocumentRequirement
from tests.licensing.factories import (
    DocumentTypeFactory,
    FormDefinitionFactory,
    FormFieldFactory,
    FormStepFactory,
)

pytestmark = pytest.mark.django_db

CHOICES = {
    "choices": [
        {"value": "shop", "label_km": "ហាង", "label_en": "Shop"},
        {"value": "market", "label_km": "ផ្សារ", "label_en": "Market stall"},
    ]
}
ADDRESS = {
    "province": "12",
    "district": "1201",
    "commune": "120101",
    "village": "12010101",
    "house_number": "12B",
    "street_name": "Street 51",
    "group_name": "",
}


@pytest.fixture
def step(reference_data):
    definition = FormDefinitionFactory()
    return FormStepFactory(definition=definition, key="details")


def field(step, key, field_type="text", **kwargs):
    kwargs.setdefault("label_en", key.replace("_", " ").capitalize())
    return FormFieldFactory(step=step, key=key, field_type=field_type, **kwargs)


def clean(step, data, **kwargs):
    form = build_step_form(step, data=data, **kwargs)
    valid = form.is_valid()
    return form, valid


def errors_of(form, key):
    return [str(message) for message in form.errors.get(key, [])]


def address_data(name: str, value: dict) -> dict:
    return {f"{name}_{part}": code for part, code in value.items()}


# --- each type parses what people type ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12", 12), ("១២", 12), ("1,200", 1200), ("1 200", 1200), ("១ ២០០", 1200), (" 7 ", 7), ("0", 0)],
)
def test_number_accepts(step, typed, expected):
    field(step, "employees", "number", validation={"min": 0, "max": 100000})
    form, valid = clean(step, {"employees": typed})
    assert valid, form.errors
    assert form.answers() == {"employees": expected}


@pytest.mark.parametrize("typed", ["12.5", "twelve", "1,2", "12a", "1" * 30])
def test_number_refuses(step, typed):
    field(step, "employees", "number")
    form, valid = clean(step, {"employees": typed})
    assert not valid
    assert errors_of(form, "employees") == ["Enter a whole number, for example 12."]


def test_number_range(step):
    field(step, "rooms", "number", validation={"min": 1, "max": 5000})
    form, _ = clean(step, {"rooms": "0"})
    assert errors_of(form, "rooms") == ["Must be at least 1."]
    form, _ = clean(step, {"rooms": "៥០០១"})
    assert errors_of(form, "rooms") == ["Must be at most 5,000."]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12.50", "12.50"), ("១២.៥០", "12.50"), ("1,250.5", "1250.5"), ("7", "7"), ("1 000 000", "1000000")],
)
def test_decimal_accepts(step, typed, expected):
    field(step, "capital", "decimal", validation={"min": 0})
    form, valid = clean(step, {"capital": typed})
    assert valid, form.errors
    assert form.answers() == {"capital": expected}


def test_decimal_refuses(step):
    field(step, "capital", "decimal", validation={"min": 0, "max": "1000.5"})
    assert errors_of(clean(step, {"capital": "12,5"})[0], "capital") == ["Enter a number, for example 12.50."]
    assert errors_of(clean(step, {"capital": "1e5"})[0], "capital") == ["Enter a number, for example 12.50."]
    assert errors_of(clean(step, {"capital": "-1"})[0], "capital") == ["Must be at least 0."]
    assert errors_of(clean(step, {"capital": "1000.51"})[0], "capital") == ["Must be at most 1,000.5."]


@pytest.mark.parametrize(
    "typed", ["31/12/2025", "31-12-2025", "31.12.2025", "2025-12-31", "៣១/១២/២០២៥", " 31 / 12 / 2025 "]
)
def test_date_accepts(step, typed):
    field(step, "opening_date", "date")
    form, valid = clean(step, {"opening_date": typed})
    assert valid, form.errors
    assert form.answers() == {"opening_date": "2025-12-31"}


def test_date_single_digits(step):
    field(step, "opening_date", "date")
    form, valid = clean(step, {"opening_date": "1-2-2025"})
    assert valid
    assert form.answers() == {"opening_date": "2025-02-01"}


@pytest.mark.parametrize("typed", ["31/02/2025", "2025/31/12", "tomorrow", "12/2025", "00/00/0000"])
def test_date_refuses(step, typed):
    field(step, "opening_date", "date")
    form, _ = clean(step, {"opening_date": typed})
    assert errors_of(form, "opening_date") == ["Enter a real date, for example 31/12/2025."]


def test_date_rules_including_today(step):
    field(step, "date_of_birth", "date", validation={"min": "1900-01-01", "max": "today"})
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form, _ = clean(step, {"date_of_birth": tomorrow.strftime("%d/%m/%Y")})
    assert errors_of(form, "date_of_birth") == ["The date must be today or earlier."]
    form, _ = clean(step, {"date_of_birth": "31/12/1899"})
    assert errors_of(form, "date_of_birth") == ["The date must be 01/01/1900 or later."]


def test_text_rules(step):
    field(step, "trade_name", validation={"min_length": 2, "max_length": 5})
    field(step, "latin_name", required=False, validation={"pattern": "^[A-Za-z ]+$"})
    form, valid = clean(step, {"trade_name": "  ហាង\x00 ", "latin_name": ""})
    assert valid, form.errors
    assert form.answers() == {"trade_name": "ហាង", "latin_name": ""}
    form, _ = clean(step, {"trade_name": "abcdefg", "latin_name": "ហាង"})
    assert errors_of(form, "trade_name") == ["At most 5 characters (you entered 7)."]
    assert errors_of(form, "latin_name") == ["Enter “Latin name” in the format described."]
    form, _ = clean(step, {"trade_name": "a"})
    assert errors_of(form, "trade_name") == ["At least 2 characters (you entered 1)."]


def test_text_is_capped_at_255(step):
    field(step, "trade_name")
    form, _ = clean(step, {"trade_name": "a" * 256})
    assert errors_of(form, "trade_name") == ["At most 255 characters (you entered 256)."]


def test_textarea_keeps_lines(step):
    field(step, "description", "textarea", validation={"max_length": 2000})
    form, valid = clean(step, {"description": "line one\r\nline two  "})
    assert valid
    assert form.answers() == {"description": "line one\nline two"}


def test_required_message_names_the_field(step):
    field(step, "trade_name", label_en="Trade name")
    field(step, "kind", "choice", label_en="Kind of premises", validation=CHOICES)
    form, _ = clean(step, {})
    assert errors_of(form, "trade_name") == ["Enter “Trade name”."]
    assert errors_of(form, "kind") == ["Choose “Kind of premises”."]


def test_email_and_phone(step):
    field(step, "email", "email")
    field(step, "phone", "phone")
    form, valid = clean(step, {"email": " owner@example.com ", "phone": "+855 12 345 678"})
    assert valid, form.errors
    assert form.answers() == {"email": "owner@example.com", "phone": "+85512345678"}
    form, valid = clean(step, {"email": "owner@example.com", "phone": "(០១២) ៣៤៥-៦៧៨"})
    assert form.answers()["phone"] == "012345678"
    form, _ = clean(step, {"email": "owner@", "phone": "call me"})
    assert errors_of(form, "email") == [
        "Enter an email address in the correct format, like name@example.com."
    ]
    assert errors_of(form, "phone") == ["Enter a phone number, for example 012 345 678 or +855 12 345 678."]
    form, _ = clean(step, {"email": "a@b.kh", "phone": "123"})
    assert errors_of(form, "phone")


def test_choice_and_multichoice(step):
    field(step, "kind", "choice", validation=CHOICES)
    field(step, "products", "multichoice", validation=CHOICES)
    form, valid = clean(step, {"kind": "shop", "products": ["shop", "market"]})
    assert valid, form.errors
    assert form.answers() == {"kind": "shop", "products": ["shop", "market"]}
    form, _ = clean(step, {"kind": "factory", "products": ["factory"]})
    assert errors_of(form, "kind") == ["Choose one of the options listed."]
    assert errors_of(form, "products") == ["Choose only options listed."]


def test_boolean(step):
    field(step, "local_materials", "boolean")
    field(step, "export", "boolean", required=False)
    form, valid = clean(step, {"local_materials": "no"})
    assert valid, form.errors
    assert form.answers() == {"local_materials": False, "export": None}
    form, valid = clean(step, {"local_materials": "yes", "export": "yes"})
    assert form.answers() == {"local_materials": True, "export": True}
    form, _ = clean(step, {})
    assert errors_of(form, "local_materials") == ["Answer “Local materials” with yes or no."]
    form, _ = clean(step, {"local_materials": "maybe"})
    assert errors_of(form, "local_materials") == ["Answer yes or no."]


@pytest.mark.parametrize(
    "typed",
    [
        "4711",
        "៤៧១១",
        "4711 — Retail sale in non-specialized stores with food, beverages or tobacco predominating",
        "retail sale in non-specialized stores with food, beverages or tobacco predominating",
    ],
)
def test_isic_accepts(step, typed):
    field(step, "activity", "isic_activity")
    form, valid = clean(step, {"activity": typed})
    assert valid, form.errors
    assert form.answers() == {"activity": "4711"}


@pytest.mark.parametrize("typed", ["9999", "47", "Retail", "G", "x" * 300])
def test_isic_refuses(step, typed):
    field(step, "activity", "isic_activity")
    form, _ = clean(step, {"activity": typed})
    assert errors_of(form, "activity") == ["Choose an activity from the list."]


# --- gazetteer address ----------------------------------------------------------------------------------


def test_address_accepts_a_nested_address(step):
    field(step, "address", "gazetteer_address")
    form, valid = clean(step, address_data("address", ADDRESS))
    assert valid, form.errors
    assert form.answers() == {"address": ADDRESS}


def test_address_village_is_optional(step):
    field(step, "address", "gazetteer_address")
    form, valid = clean(step, address_data("address", {**ADDRESS, "village": ""}))
    assert valid, form.errors
    assert form.answers()["address"]["village"] == ""


def test_address_refuses_a_district_of_another_province(step):
    field(step, "address", "gazetteer_address")
    form, _ = clean(step, address_data("address", {**ADDRESS, "province": "01"}))
    assert errors_of(form, "address") == ["The district you chose is not in the province you chose."]


def test_address_refuses_missing_levels_and_unknown_codes(step):
    field(step, "address", "gazetteer_address")
    form, _ = clean(step, address_data("address", {"province": "12", "district": "1201"}))
    assert errors_of(form, "address") == ["Choose the commune."]
    form, _ = clean(step, address_data("address", {**ADDRESS, "district": "1299"}))
    assert "Choose the district from the list." in errors_of(form, "address")
    form, _ = clean(step, address_data("address", {**ADDRESS, "commune": "'; drop"}))
    assert errors_of(form, "address") == ["Choose the address from the lists."]
    form, _ = clean(step, {})
    assert errors_of(form, "address") == ["Choose the province, district and commune of “Address”."]


def test_optional_address_may_be_empty(step):
    field(step, "address", "gazetteer_address", required=False)
    form, valid = clean(step, {})
    assert valid
    assert form.answers() == {"address": None}


def test_address_renders_options_of_chosen_levels(step):
    field(step, "address", "gazetteer_address")
    form, _ = clean(step, address_data("address", {"province": "12", "district": "1201"}))
    html = render_to_string("applications/includes/step_fields.html", {"form": form})
    assert 'id="id_address_district"' in html
    assert 'value="1201" selected' in html
    assert 'value="120101"' in html  # the communes of the chosen district, rendered without JS
    assert 'hx-get="/lookups/units/?parent_from=address_province' in html
    assert 'hx-target="#id_address_district"' in html


# --- prefill and locking --------------------------------------------------------------------------------


def test_locked_prefilled_value_cannot_be_overridden(step):
    field(step, "single_id", prefill_source="business.single_id", prefill_locked=True)
    field(step, "email", "email", prefill_source="business.email")
    form, valid = clean(
        step,
        {"single_id": "HACKED", "email": "new@example.com"},
        initial={"single_id": "1000123456", "email": "old@example.com"},
        prefilled={"single_id": "business.single_id", "email": "business.email"},
        locked={"single_id"},
    )
    assert valid, form.errors
    assert form.answers() == {"single_id": "1000123456", "email": "new@example.com"}
    assert form["single_id"].locked and form["single_id"].prefill_label == "Business: Single ID"
    assert not form["email"].locked and form["email"].prefill_label == "Business: email"
    html = render_to_string("applications/includes/step_fields.html", {"form": form})
    assert "disabled" in html.split('name="single_id"')[1].split(">")[0]
    assert "Prefilled from: Business: Single ID" in html
    assert "Comes from the registry; to change it, update the registry record." in html


def test_locked_without_a_value_stays_editable(step):
    field(step, "single_id", prefill_source="business.single_id", prefill_locked=True)
    form, valid = clean(step, {"single_id": "1000123456"}, locked={"single_id"})
    assert valid
    assert not form["single_id"].locked
    assert form.answers() == {"single_id": "1000123456"}


def test_locked_typed_values_keep_their_json_shape(step):
    field(step, "dob", "date")
    field(step, "address", "gazetteer_address")
    field(step, "staff", "number")
    field(step, "activity", "isic_activity")
    initial = {"dob": "1980-05-01", "address": ADDRESS, "staff": 12, "activity": "4711"}
    form, valid = clean(
        step,
        {"dob": "01/01/2000", **address_data("address", {**ADDRESS, "province": "01"})},
        initial=initial,
        locked=set(initial),
    )
    assert valid, form.errors
    assert form.answers() == initial


# --- round trip, restriction, files ---------------------------------------------------------------------


def _posted_from_display(form) -> dict:
    """What the browser would post back for an unchanged, rendered form."""
    data = {}
    for bound in form:
        value = bound.value()
        if bound.meta.template == "address":
            parts = dict(zip(ADDRESS_KEYS, decompress_address(value), strict=True))
            data.update(address_data(bound.html_name, parts))
        elif value is not None:
            data[bound.html_name] = value
    return data


def test_answers_round_trip_through_initial(step):
    field(step, "name", "text")
    field(step, "notes", "textarea")
    field(step, "email", "email")
    field(step, "phone", "phone")
    field(step, "staff", "number")
    field(step, "capital", "decimal")
    field(step, "opened", "date")
    field(step, "kind", "choice", validation=CHOICES)
    field(step, "products", "multichoice", validation=CHOICES)
    field(step, "exports", "boolean")
    field(step, "address", "gazetteer_address")
    field(step, "activity", "isic_activity")
    answers = {
        "name": "ហាងលក់ទំនិញ",
        "notes": "two\nlines",
        "email": "a@example.com",
        "phone": "+85512345678",
        "staff": 1200,
        "capital": "12.50",
        "opened": "2025-12-31",
        "kind": "market",
        "products": ["shop"],
        "exports": False,
        "address": ADDRESS,
        "activity": "4711",
    }
    shown = build_step_form(step, initial=answers)
    assert shown["opened"].value() == "31/12/2025"
    assert shown["activity"].value().startswith("4711 — Retail sale")
    form, valid = clean(step, _posted_from_display(shown))
    assert valid, form.errors
    assert form.answers() == answers
    assert json.loads(json.dumps(form.answers())) == answers


def test_only_restricts_the_fields(step):
    field(step, "name")
    field(step, "staff", "number")
    form, valid = clean(step, {"staff": "3"}, only={"staff"})
    assert valid
    assert list(form.fields) == ["staff"]
    assert form.answers() == {"staff": 3}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_file_fields(step):
    document = DocumentTypeFactory(code="PREMISES_PHOTOS")
    requirement = DocumentRequirement(
        licence_type=step.definition.licence_type,
        document_type=document,
        accepted_formats=["application/pdf"],
        max_size_mb=2,
    )
    field(step, "photos", "file", validation={"document_type": "PREMISES_PHOTOS"})
    field(step, "id_card", "file", validation={"document_type": "NATIONAL_ID"})
    requirements = {"PREMISES_PHOTOS": requirement}
    # a PNG named .pdf is refused; a document already uploaded is not asked for again
    form = build_step_form(
        step,
        data={},
        files={"photos": SimpleUploadedFile("photo.pdf", png_bytes(), "application/pdf")},
        existing_documents={"id_card": "id.pdf"},
        requirements=requirements,
    )
    assert not form.is_valid()
    assert errors_of(form, "photos")[0].startswith("“Photos”: This file is not really a PDF")
    assert "id_card" not in form.errors
    html = render_to_string("applications/includes/step_fields.html", {"form": form})
    assert "Current file: id.pdf — upload a new file to replace it." in html
    assert "PDF, up to 2 MB" in html and 'accept=".pdf,application/pdf"' in html
    # the default requirement: PDF, JPEG or PNG up to 10 MB
    form = build_step_form(
        step,
        data={},
        files={"id_card": SimpleUploadedFile("id.png", png_bytes(), "image/png")},
        existing_documents={"photos": "shop.pdf"},
        requirements=requirements,
    )
    assert form.is_valid(), form.errors
    uploads = form.uploads()
    assert list(uploads) == ["id_card"] and isinstance(uploads["id_card"], CheckedUpload)
    assert uploads["id_card"].content_type == "image/png"
    assert form.answers() == {}
    form, _ = clean(step, {}, requirements=requirements)
    assert errors_of(form, "photos") == [f"Upload “{form.fields['photos'].label}”."]


# --- rendering ------------------------------------------------------------------------------------------


def test_rendering_is_accessible(step):
    field(step, "trade_name", label_en="Trade name", help_en="As on your signboard")
    field(step, "opened", "date", label_en="Opening date")
    field(step, "kind", "choice", validation=CHOICES, label_en="Kind")
    field(step, "activity", "isic_activity", required=False)
    form, _ = clean(step, {"opened": "31/02/2025"})
    html = render_to_string("applications/includes/step_fields.html", {"form": form})
    assert 'aria-describedby="id_trade_name_hint id_trade_name_error"' in html
    assert 'id="id_trade_name_error"' in html and "As on your signboard" in html
    assert 'inputmode="numeric"' in html and "For example 31/12/2025" in html
    assert '<legend class="form-label fs-6 fw-semibold">Kind' in html
    assert 'type="radio"' in html
    assert 'hx-trigger="keyup changed delay:300ms"' in html and 'list="id_activity_options"' in html
    summary = render_to_string("applications/includes/error_summary.html", {"form": form})
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "There is a problem" in summary
    assert 'href="#id_trade_name"' in summary and 'href="#id_kind_0"' in summary
    assert "Enter a real date" in summary
    assert (
        render_to_string("applications/includes/error_summary.html", {"form": build_step_form(step)}).strip()
        == ""
    )


# --- display_answer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "value", "rules", "english", "khmer_contains"),
    [
        ("text", "ហាង", {}, "ហាង", "ហាង"),
        ("textarea", "a\nb", {}, "a\nb", "a"),
        ("email", "a@example.com", {}, "a@example.com", "a@example.com"),
        ("phone", "+85512345678", {}, "+85512345678", "+85512345678"),
        ("number", 1200, {}, "1,200", "1"),
        ("decimal", "1250.50", {}, "1,250.50", "1"),
        ("date", "2025-12-31", {}, "31 Dec 2025", "2025"),
        ("choice", "market", CHOICES, "Market stall", "ផ្សារ"),
        ("multichoice", ["shop", "market"], CHOICES, "Shop, Market stall", "ហាង"),
        ("boolean", True, {}, "Yes", ""),
        ("boolean", False, {}, "No", ""),
        ("isic_activity", "4711", {}, "4711 — Retail sale", "4711"),
        ("file", "id.pdf", {}, "id.pdf", "id.pdf"),
    ],
)
def test_display_answer(step, field_type, value, rules, english, khmer_contains):
    definition = field(step, f"f_{field_type}", field_type, validation=rules)
    with translation.override("en"):
        assert display_answer(definition, value).startswith(english)
    with translation.override("km"):
        assert khmer_contains in display_answer(definition, value)
    assert display_answer(definition, None) == ""


def test_display_address(step):
    definition = field(step, "address", "gazetteer_address")
    with translation.override("en"):
        text = display_answer(definition, ADDRESS)
    assert text.startswith("No. 12B, Street 51, Phum 1")
    assert "Tonle Basak" in text and "Chamkar Mon" in text and "Phnom Penh" in text
    with translation.override("km"):
        text = display_answer(definition, ADDRESS)
    assert "ទន្លេបាសាក់" in text and "ភ្នំពេញ" in text


def test_demo_forms_build_and_render(reference_data):
    from licensing import demo
    from licensing.models import FormDefinition

    demo.seed(io.StringIO())  # only the catalog: other apps' demo data is not needed here
    definitions = FormDefinition.objects.filter(status="PUBLISHED")
    assert definitions.exists()
    for definition in definitions:
        for demo_step in definition.steps.all():
            form = build_step_form(demo_step, data={})
            form.is_valid()
            html = render_to_string("applications/includes/step_fields.html", {"form": form})
            assert html.count("esb-field") >= len(form.fields)


def test_wrong_file_type_gives_one_message_naming_the_field(step):
    """Two documents refused for the same reason: the error summary lists two different sentences, one per
    field, each naming its field (it used to say "Upload a PDF file." twice)."""
    field(step, "lease", "file", label_en="Lease contract", validation={"document_type": "LEASE"})
    field(step, "plan", "file", label_en="Floor plan", validation={"document_type": "PLAN"})
    gif = b"GIF89a" + b"\x00" * 20
    form = build_step_form(
        step,
        data={},
        files={
            "lease": SimpleUploadedFile("lease.gif", gif, "image/gif"),
            "plan": SimpleUploadedFile("plan.gif", gif, "image/gif"),
        },
    )
    assert not form.is_valid()
    messages = [message for _anchor, message in form.error_links()]
    assert messages == [
        "“Lease contract”: Upload a PDF, JPEG or PNG file.",
        "“Floor plan”: Upload a PDF, JPEG or PNG file.",
    ]
    html = render_to_string("applications/includes/step_fields.html", {"form": form})
    assert html.count("Upload a PDF, JPEG or PNG file.") == 2  # once per field, beside it


def test_required_upload_that_holds_a_file_stays_required_not_optional(step):
    field(step, "lease", "file", label_en="Lease contract", validation={"document_type": "LEASE"})
    field(step, "plan", "file", label_en="Floor plan", required=False, validation={"document_type": "PLAN"})
    form = build_step_form(step, existing_documents={"lease": "lease.pdf", "plan": "plan.pdf"})
    html = render_to_string("applications/includes/step_fields.html", {"form": form})
    lease, plan = html.split('data-field="plan"')
    assert "(optional)" not in lease and "(required)" in lease
    assert "Current file: lease.pdf — upload a new file to replace it." in lease
    assert "(optional)" in plan  # an optional document stays optional


def test_nationality_is_a_country_picker_with_names_in_the_page_language(step):
    field(step, "owner_nationality", label_en="Nationality", validation={"reference": "country"})
    with translation.override("en"):
        form = build_step_form(step, initial={"owner_nationality": "KH"})
        options = form.fields["owner_nationality"].choices
        html = render_to_string("applications/includes/step_fields.html", {"form": form})
    assert options[1] == ("KH", "Cambodia")  # first after "Choose…"
    assert ("TH", "Thailand") in options and len(options) > 240
    assert '<select name="owner_nationality"' in html
    assert '<option value="KH" selected>Cambodia</option>' in html
    with translation.override("km"):
        options = build_step_form(step).fields["owner_nationality"].choices
    assert options[1] == ("KH", "កម្ពុជា") and ("TH", "ថៃ") in options

    form, valid = clean(step, {"owner_nationality": "VN"})
    assert valid and form.answers() == {"owner_nationality": "VN"}
    form, valid = clean(step, {"owner_nationality": "Cambodian"})
    assert not valid
    with translation.override("en"):
        assert display_answer(form.fields["owner_nationality"].meta.definition, "VN") == "Vietnam"


def test_isic_classes_are_named_in_khmer_on_khmer_pages(step):
    from registry.models import IsicActivity
    from registry.selectors import isic_label, search_isic

    activity = IsicActivity.objects.select_related("parent__parent").get(code="5510")
    division = activity.parent.parent
    assert not activity.title_km and division.title_km  # the data: Khmer titles down to divisions only
    with translation.override("km"):
        label = isic_label(activity)
        assert label == f"5510 — {division.title_km}: {activity.title_en}"
        # a Khmer word of the division's title finds its classes
        assert "5510" in [a.code for a in search_isic(division.title_km.split()[0], limit=50)]
    with translation.override("en"):
        assert isic_label(activity) == f"5510 — {activity.title_en}"


def test_publication_accepts_the_country_and_multiple_file_rules_and_checks_their_values(step):
    from licensing.validation import field_problems_by_slot

    country = field(step, "nationality", validation={"reference": "country"})
    wrong_reference = field(step, "other", validation={"reference": "planet"})
    assert field_problems_by_slot(country, None) == []
    assert [slot for slot, _message in field_problems_by_slot(wrong_reference, None)] == ["reference"]

    DocumentTypeFactory(code="PREMISES_PHOTOS")
    codes = {"PREMISES_PHOTOS"}
    photos = field(step, "photos", "file", validation={"document_type": "PREMISES_PHOTOS", "multiple": True})
    wrong = field(step, "photos2", "file", validation={"document_type": "PREMISES_PHOTOS", "multiple": "yes"})
    assert field_problems_by_slot(photos, codes) == []
    assert [slot for slot, _message in field_problems_by_slot(wrong, codes)] == ["multiple"]
