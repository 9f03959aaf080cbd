"""Back-office editing of licence templates: an institution's service administrator edits only the templates
of their own licence types (others: 404, not listed, not choosable), a template that does not compile or
render is refused with the reason on the form, the default template is for national administrators only,
and "Preview PDF" renders a sample licence."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.urls import reverse

from issuance import rendering
from issuance.models import LicenceTemplate
from tests.licensing.factories import LicenceTypeFactory
from tests.review import factories as review_factories

pytestmark = pytest.mark.django_db


def _url(name: str, *args) -> str:
    return reverse(f"admin:issuance_licencetemplate_{name}", args=args)


@pytest.fixture
def own_type(reference_data):
    return LicenceTypeFactory()


@pytest.fixture
def other_type(reference_data):
    return LicenceTypeFactory()


@pytest.fixture
def editor(client, own_type):
    user = review_factories.officer("service_administrator", own_type.institution, name="Service Admin")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _post(client, url, **fields):
    data = {"html": "<p>{{ number }}</p>", "css": "", "conditions_km": "", "conditions_en": "", **fields}
    return client.post(url, data)


def test_a_service_administrator_edits_the_template_of_their_type(editor, own_type):
    response = _post(editor, _url("add"), licence_type=own_type.pk, conditions_en="Keep it displayed.")
    assert response.status_code == 302, response.content[:2000]
    template = LicenceTemplate.objects.get(licence_type=own_type)
    assert template.conditions_en == "Keep it displayed."
    assert template.updated_by is not None


def test_another_institutions_template_is_out_of_scope(editor, other_type):
    theirs = LicenceTemplate.objects.create(licence_type=other_type, html="<p>theirs</p>")
    assert editor.get(_url("change", theirs.pk)).status_code == 404
    assert editor.get(_url("preview_pdf", theirs.pk)).status_code == 404
    listing = editor.get(_url("changelist"))
    assert listing.status_code == 200
    assert theirs not in listing.context["cl"].queryset
    # Nor can a template be created for their licence type.
    response = _post(editor, _url("add"), licence_type=other_type.pk)
    assert response.status_code == 200
    assert "licence_type" in response.context["adminform"].form.errors
    assert not LicenceTemplate.objects.filter(licence_type=other_type, html__contains="number").exists()


def test_only_a_national_administrator_edits_the_default_template(editor, client, own_type):
    response = _post(editor, _url("add"))
    assert response.status_code == 200
    assert "licence_type" in response.context["adminform"].form.errors
    assert not LicenceTemplate.objects.filter(licence_type__isnull=True).exists()


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("{% if %}", "error"),
        ("{% include 'base.html' %}", "include"),
        ("{% load static %}", "error"),
        ("{{ holder.name_km|date:'Y'|add:1|divisibleby:0 }}", "cannot be rendered"),
    ],
)
def test_a_template_that_fails_is_refused_with_its_reason(editor, own_type, html, reason):
    response = _post(editor, _url("add"), licence_type=own_type.pk, html=html)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["html"]
    assert reason in " ".join(errors)
    assert not LicenceTemplate.objects.filter(licence_type=own_type).exists()


def test_preview_renders_a_sample_licence(editor, own_type):
    template = LicenceTemplate.objects.create(
        licence_type=own_type, html="<h1>{{ licence_type.name_en }}</h1><p>{{ number }}</p>"
    )
    response = editor.get(_url("preview_pdf", template.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert own_type.name_en in text
    assert f"{own_type.code}-" in text


def test_an_applicant_cannot_reach_the_template_admin(client, own_type, applicant):
    template = LicenceTemplate.objects.create(licence_type=own_type, html="<p>x</p>")
    client.force_login(applicant)
    response = client.get(_url("preview_pdf", template.pk))
    assert response.status_code == 302  # to the back-office login
    assert "application/pdf" not in response.get("Content-Type", "")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("{% autoescape off %}{{ holder.name_en }}{% endautoescape %}", "{% autoescape %}"),
        ("{{ holder.name_en|safe }}", "“safe”"),
        ("{{ owners|safeseq|join:', ' }}", "“safeseq”"),
        ("{% if holder.name_en|safe %}x{% endif %}", "“safe”"),
        ("{% for o in owners|safeseq %}{{ o }}{% endfor %}", "“safeseq”"),
        ("{% filter safeseq %}x{% endfilter %}", "“safeseq”"),
        ("{% with name=holder.name_en|safe %}{{ name }}{% endwith %}", "“safe”"),
        ("{% lorem 999999999 w %}", "{% lorem %}"),
        ("{% lorem %}", "{% lorem %}"),
        ('{{ number|ljust:"2000000000" }}', "“ljust”"),
        ("{{ number|rjust:2000000000 }}", "“rjust”"),
        ('{{ number|center:"201" }}', "“center”"),
        ("{{ number|ljust:holder.single_id }}", "“ljust”"),  # a variable: an applicant's digits
        ('{{ version|floatformat:"100000000" }}', "“floatformat”"),
        ('{{ version|stringformat:"0999999999d" }}', "“stringformat”"),
        ('{% with w="2000000000" %}{{ number|ljust:w }}{% endwith %}', "“ljust”"),
    ],
)
def test_what_prints_unescaped_or_exhausts_the_worker_is_refused(editor, own_type, html, reason):
    response = _post(editor, _url("add"), licence_type=own_type.pk, html=html)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["html"])
    assert reason in errors
    assert not LicenceTemplate.objects.filter(licence_type=own_type).exists()


@pytest.mark.parametrize(
    "html",
    [
        '{{ number|ljust:"30" }}|{{ number|rjust:30 }}|{{ number|center:"200" }}',
        '{{ version|floatformat:"2" }} {{ version|floatformat:"-3g" }} {{ version|stringformat:"05d" }}',
    ],
)
def test_small_widths_written_in_the_template_are_allowed(editor, own_type, html):
    response = _post(editor, _url("add"), licence_type=own_type.pk, html=html)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert LicenceTemplate.objects.filter(licence_type=own_type).exists()


def test_the_default_template_compiles_and_renders_in_the_sandbox(own_type):
    html, _css = rendering.template_source(None)
    template = LicenceTemplate(licence_type=own_type, html=html)
    rendering.check_renders(html, template)  # raises TemplateRefused if the sandbox refused any of it
    text = pypdf.PdfReader(io.BytesIO(rendering.render_sample(template))).pages[0].extract_text()
    assert "Kingdom of Cambodia" in text
