"""The public service catalog (Part 6 page 1): list, search, filters, service page; the home page's way in."""

from __future__ import annotations

import io
import itertools
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from licensing import demo, views
from licensing.models import LicenceService, LicenceType
from tests.frontend.html import Page

pytestmark = pytest.mark.django_db

LIST = reverse("catalog:list")


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    """The demo catalog, seeded once for this module inside a transaction that is rolled back at its end.

    Each test still runs in its own savepoint (the `db` fixture), so a test that changes rows leaves the
    next one the same catalog; nothing outlives the module. Only the catalog's own demo, not
    `seed_demo_data`: these pages read nothing else, and every app's demo would cost seconds.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed(io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def catalog(_seeded, db):
    """Six services of three ministries, with published forms and workflows."""


def _client(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _page(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


def _result_links(response) -> list[str]:
    """Service page links of the result cards, in order."""
    page = _page(response)
    return [
        a.get("href").strip("/").split("/")[-1]
        for a in page.all("a")
        if (a.get("href") or "").startswith(LIST) and a.get("href") != LIST
    ]


def _detail(code: str) -> str:
    return reverse("catalog:detail", kwargs={"code": code})


# --- list -------------------------------------------------------------------------------------------------


def test_list_shows_every_demo_service_with_count_and_cards(catalog):
    response = _client().get(LIST)
    page = _page(response)
    html = response.content.decode()

    assert sorted(_result_links(response)) == sorted(LicenceType.objects.values_list("code", flat=True))
    assert "6 services" in page.one("p", role="status").text
    assert page.one("h1").text.strip() == "Find a service"
    assert page.one("title").text.startswith("Services – ")
    # a free service says so; paid ones show grouped amounts with their currency
    assert "Free" in html
    assert "800,000 riels" in html
    assert "US$100" in html
    assert "30 working days" in html
    assert "Ministry of Industry, Science, Technology and Innovation" in html


def test_list_form_is_a_labelled_get_form_that_works_without_javascript(catalog):
    page = _page(_client().get(LIST))

    form = page.one("form", role="search")
    assert form.get("method") == "get"
    assert form.get("action") == LIST
    assert form.get("hx-get") == LIST and form.get("hx-target") == "#catalog-results"
    for field_id in ("catalog-q", "catalog-institution", "catalog-sector"):
        assert page.one("label", **{"for": field_id})
    assert page.one("input", name="q").get("aria-describedby") == "catalog-q-help"
    institution_codes = [o.get("value") for o in page.all("option") if o.get("value")]
    assert {"MOC", "MOT", "MISTI"} <= set(institution_codes)
    assert page.all("button", type="submit")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hotel", ["MOT-HL-001"]),
        ("HOTELS", ["MOT-HL-001"]),
        ("factory permit", ["MISTI-FP-002"]),
        ("សណ្ឋាគារ", ["MOT-HL-001"]),  # "hotel"
        ("កក់ឈ្មោះ", ["MOC-BN-001"]),  # "reserve a name"
        ("រោងចក្រ", ["MISTI-FP-002"]),  # "factory"
        ("  ទេសចរណ៍  ", ["MOT-HL-001", "MOT-TA-002"]),  # "tourism"
    ],
)
def test_search_finds_the_service_in_khmer_and_english(catalog, query, expected):
    response = _client().get(LIST, {"q": query})

    assert sorted(_result_links(response)) == expected
    assert _page(response).one("input", name="q").get("value") == query.strip()


def test_institution_and_sector_filters(catalog):
    by_institution = _result_links(_client().get(LIST, {"institution": "MOT"}))
    by_sector = _result_links(_client().get(LIST, {"sector": "handicraft"}))
    both = _result_links(_client().get(LIST, {"institution": "MOT", "sector": "handicraft"}))

    assert sorted(by_institution) == ["MOT-HL-001", "MOT-TA-002"]
    assert by_sector == ["MISTI-HC-001"]
    assert both == []
    page = _page(_client().get(LIST, {"institution": "mot"}))  # codes are matched case-insensitively
    assert "selected" in page.one("option", value="MOT").attrs


def test_no_results_explains_and_links_to_clear_the_filters(catalog):
    response = _client().get(LIST, {"q": "submarine"})
    page = _page(response)

    assert _result_links(response) == []
    assert "0 services" in page.one("p", role="status").text
    assert "No service matches your search" in response.content.decode()
    clear = [a for a in page.all("a") if a.get("href") == LIST and "Clear" in a.text]
    assert clear


@pytest.mark.parametrize(
    "params",
    [
        {"institution": "NOPE"},
        {"institution": "99999999999999999999999999"},
        {"sector": "9" * 40},
        {"q": "x" * 5000},
        {"q": "ហ" * 5000, "institution": "MOC"},
        {"q": "' OR 1=1 --", "sector": "<script>"},
        {"page": "999999999999999999999999"},
        {"page": "-1"},
        {"page": "abc", "q": "\u200b\u200b"},
        {"q": "a\tb\x7f"},
    ],
)
def test_hostile_parameters_never_break_the_list(catalog, params):
    response = _client().get(LIST, params)

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</form>")[0].split('role="search"')[-1]


def test_unknown_filters_are_ignored(catalog):
    assert len(_result_links(_client().get(LIST, {"institution": "NOPE", "sector": "zzz"}))) == 6


def test_nul_in_the_query_string_is_refused_or_ignored_never_a_server_error(catalog):
    response = _client().get(LIST + "?q=ho%00tel&institution=M%00OT")

    assert response.status_code in (200, 400)


def test_search_text_is_cleaned_before_it_reaches_the_database():
    assert views._clean_text("ho\x00tel", 100) == "ho tel"
    assert views._clean_text("  a \n b ", 100) == "a b"
    assert len(views._clean_text("x" * 5000, 100)) == 100
    assert views._clean_text(None, 10) == ""


def test_list_paginates_and_pages_keep_the_filters(catalog, monkeypatch):
    assert views.PAGE_SIZE == 20
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # six demo services: three pages of two

    first = _page(_client().get(LIST, {"q": "", "sector": ""}))
    third = _client().get(LIST, {"page": "3"})

    assert len(first.with_class("esb-service-card")) == 2
    assert "6 services" in first.one("p", role="status").text
    pages = first.one("nav", **{"aria-label": "Pages of results"})
    assert pages
    links = [a.get("href") for a in first.all("a", **{"class": "page-link"})]
    assert any("page=2" in link and "sector=" in link for link in links)
    assert len(_page(third).with_class("esb-service-card")) == 2
    assert _page(_client().get(LIST, {"page": "99"})).with_class("esb-service-card")  # last page


def test_list_query_count_is_bounded(catalog, django_assert_max_num_queries):
    client = _client()
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"q": "licence", "institution": "MOT"})
    assert response.status_code == 200


def test_htmx_request_gets_only_the_results(catalog):
    response = _client().get(LIST, {"q": "hotel"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="catalog-results"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_khmer_page_shows_khmer_names_and_khmer_grouping(catalog):
    response = _client("km").get(LIST)
    html = response.content.decode()

    assert response["Content-Language"] == "km"
    assert LicenceType.objects.get(code="MOT-HL-001").name_km in html
    assert "ក្រសួងទេសចរណ៍" in html
    assert "800.000" in html  # Khmer (CLDR) groups thousands with a full stop


# --- service page -----------------------------------------------------------------------------------------


def test_detail_page_describes_the_service(catalog):
    licence_type = LicenceType.objects.get(code="MOC-CR-002")
    response = _client().get(_detail("MOC-CR-002"))
    page = _page(response)
    html = response.content.decode()

    assert page.one("h1").text.strip() == licence_type.name_en
    assert page.one("title").text.startswith(licence_type.name_en)
    assert licence_type.description_en[:40] in html
    assert licence_type.who_needs_en[:40] in html
    assert "Ministry of Commerce" in html and "Department of Business Registration" in html
    assert "200,000 riels" in html
    assert "5 working days" in html
    # headings never skip a level
    levels = [int(e.tag[1]) for e in page.elements if e.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


def test_detail_breadcrumbs(catalog):
    page = _page(_client().get(_detail("MOT-HL-001")))

    crumbs = page.one("nav", **{"aria-label": "Breadcrumb"})
    assert crumbs
    items = [li for li in page.all("li") if "breadcrumb-item" in li.classes]
    assert [li.text.strip() for li in items][:2] == ["Home", "Services"]
    assert items[-1].get("aria-current") == "page"
    assert "Tourism licence" in items[-1].text


def test_detail_lists_documents_with_formats_size_and_whether_required(catalog):
    response = _client().get(_detail("MOT-HL-001"))
    page = _page(response)
    documents = page.with_class("esb-document-list")[0]

    assert "Photographs of the business premises" in documents.text
    assert "Accepted formats: JPEG, PNG. Up to 5 MB." in documents.text
    assert "Building floor plan" in documents.text
    assert documents.text.count("Required") == 5 and documents.text.count("Optional") == 1


def test_detail_lists_form_steps_and_what_happens_after(catalog):
    response = _client().get(_detail("MISTI-FP-002"))
    page = _page(response)

    asked = page.with_class("esb-service-form-steps")[0].text
    assert "Business information" in asked and "Supporting documents" in asked
    review = page.with_class("esb-service-review-steps")[0].text
    assert "Factory inspection" in review
    # internal role codes are not shown
    assert "technical_officer" not in response.content.decode()
    after = page.with_class("esb-service-next-steps")[0].text
    assert "pay the fee" in after
    assert "QR code" in after


def test_free_service_has_no_payment_step_and_says_free(catalog):
    response = _client().get(_detail("MISTI-HC-001"))
    page = _page(response)

    assert "Free" in response.content.decode()
    assert "pay the fee" not in page.with_class("esb-service-next-steps")[0].text


def test_single_service_apply_link_has_no_service_parameter(catalog):
    page = _page(_client().get(_detail("MOC-BN-001")))

    start = reverse("applications:start", kwargs={"code": "MOC-BN-001"})
    apply_links = [a.get("href") for a in page.all("a") if (a.get("href") or "").startswith(start)]
    assert apply_links == [start]


def test_several_services_show_fee_per_kind_and_an_apply_link_each(catalog):
    response = _client().get(_detail("MOT-HL-001"))
    page = _page(response)

    start = reverse("applications:start", kwargs={"code": "MOT-HL-001"})
    codes = list(
        LicenceService.objects.filter(licence_type__code="MOT-HL-001", is_active=True).values_list(
            "code", flat=True
        )
    )
    apply_links = [a.get("href") for a in page.all("a") if (a.get("href") or "").startswith(start)]
    assert apply_links == [f"{start}?service={code}" for code in codes]
    fees = page.with_class("esb-service-fees")[0].text
    assert "US$100" in fees and "US$80" in fees


def test_inactive_kind_of_request_gets_no_apply_link(catalog):
    LicenceService.objects.filter(code="MOT-HL-001-RENEWAL").update(is_active=False)

    page = _page(_client().get(_detail("MOT-HL-001")))

    start = reverse("applications:start", kwargs={"code": "MOT-HL-001"})
    assert [a.get("href") for a in page.all("a") if (a.get("href") or "").startswith(start)] == [start]


def test_anonymous_visitor_is_told_to_log_in_with_camdigikey(catalog):
    html = _client().get(_detail("MOC-BN-001")).content.decode()
    assert "You will need to log in with CamDigiKey" in html

    client = _client()
    client.force_login(User.objects.create_user(username="applicant-1", full_name_en="Applicant One"))
    html = client.get(_detail("MOC-BN-001")).content.decode()
    assert "You will need to log in with CamDigiKey" not in html


def test_khmer_detail_page_shows_the_khmer_name(catalog):
    licence_type = LicenceType.objects.get(code="MOT-TA-002")
    page = _page(_client("km").get(_detail("MOT-TA-002")))

    assert page.one("h1").text.strip() == licence_type.name_km
    assert page.one("html").get("lang") == "km"


@pytest.mark.parametrize(
    "code", ["NOPE-001", "mot-hl-001", "MOT-HL-001-NEW", "A" * 300, "MOT HL", "%E1%9E%9F", "..."]
)
def test_unknown_code_is_404(catalog, code):
    assert _client().get(f"{LIST}{code}/").status_code == 404


def test_inactive_service_is_404_and_hidden_from_the_list(catalog):
    LicenceType.objects.filter(code="MOT-HL-001").update(is_active=False)

    assert _client().get(_detail("MOT-HL-001")).status_code == 404
    assert "MOT-HL-001" not in _result_links(_client().get(LIST))


def test_catalog_pages_only_answer_safe_methods(catalog):
    assert _client().post(LIST).status_code == 405
    assert _client().post(_detail("MOT-HL-001")).status_code == 405


# --- formatting -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("0"), "KHR", "Free"),
        (Decimal("200000"), "KHR", "200,000 riels"),
        (Decimal("1234567.50"), "KHR", "1,234,567.50 riels"),
        (Decimal("100.00"), "USD", "US$100"),
        (Decimal("12.5"), "USD", "US$12.50"),
    ],
)
def test_format_fee_in_english(amount, currency, expected):
    with translation.override("en"):
        assert views.format_fee(amount, currency) == expected


def test_format_durations():
    with translation.override("en"):
        assert views.format_working_days(1) == "1 working day"
        assert views.format_validity(None) == "Does not expire"
        assert views.format_validity(36) == "3 years"
        assert views.format_validity(3) == "3 months"


# --- home page --------------------------------------------------------------------------------------------


def test_home_has_a_search_form_to_the_catalog_and_a_browse_link(catalog):
    page = _page(_client().get(reverse("home")))

    form = page.one("form", role="search")
    assert form.get("action") == LIST and form.get("method") == "get"
    assert page.one("input", name="q").get("id") == "home-search"
    assert page.one("label", **{"for": "home-search"})
    assert any(a.get("href") == LIST and "Browse all services" in a.text for a in page.all("a"))
    assert page.by_id("how-it-works")  # the existing sections stay


def test_home_lists_services_grouped_by_institution_in_few_queries(catalog, django_assert_max_num_queries):
    client = _client()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("home"))
    page = _page(response)

    section = page.with_class("esb-home-services")[0]
    for institution in ("Ministry of Commerce", "Ministry of Tourism"):
        assert institution in section.text
    hrefs = {a.get("href") for a in page.all("a")}
    for code in LicenceType.objects.values_list("code", flat=True):
        assert _detail(code) in hrefs


def test_home_without_a_catalog_still_renders(catalog):
    LicenceType.objects.update(is_active=False)

    page = _page(_client().get(reverse("home")))

    assert not page.with_class("esb-home-services")
    assert page.one("form", role="search")


def test_htmx_search_also_updates_the_language_switch_so_switching_keeps_the_search(catalog):
    """The results are swapped in place and the address pushed; the language switch (outside the swapped
    part) comes along out of band with `next` set to the searched address, so the switch keeps the search."""
    client = _client()
    response = client.get(LIST, {"q": "hotel", "institution": "", "sector": ""}, HTTP_HX_REQUEST="true")
    page = _page(response)

    switch = page.one("form", id="esb-lang")
    assert switch.get("hx-swap-oob") == "true"
    next_url = page.one("input", name="next").get("value")
    assert next_url.startswith(LIST) and "q=hotel" in next_url

    switched = client.post(reverse("set_language"), {"language": "km", "next": next_url})
    assert switched.status_code == 302 and "q=hotel" in switched["Location"]
    after = client.get(switched["Location"])
    assert _page(after).one("input", name="q").get("value") == "hotel"
    assert _result_links(after) == ["MOT-HL-001"]


def test_full_page_switch_carries_the_query_string_and_history_restore_gets_the_whole_page(catalog):
    page = _page(_client().get(LIST, {"q": "hotel"}))
    assert page.one("input", name="next").get("value") == f"{LIST}?q=hotel"
    assert page.one("form", id="esb-lang").get("hx-swap-oob") is None

    restored = _client().get(
        LIST, {"q": "hotel"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restored.content.decode()
    assert "hx-swap-oob" not in restored.content.decode()  # one language switch, in the header


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Handicrafts", ["MISTI-HC-001"]),  # plural of the name's "Handicraft": stemmed, not substring
        ("handicraft", ["MISTI-HC-001"]),
        ("Hotels licences", ["MOT-HL-001"]),
        ("amendments", ["MOC-CR-002"]),
    ],
)
def test_english_search_is_stemmed_full_text(catalog, query, expected):
    assert _result_links(_client().get(LIST, {"q": query})) == expected


def test_khmer_search_tolerates_a_near_form(catalog):
    # "សណ្ឋាគារ" (hotel) typed with one letter missing still finds the hotel licence by trigram similarity.
    assert "MOT-HL-001" in _result_links(_client().get(LIST, {"q": "សណ្ឋគារ"}))


def test_english_search_expression_is_the_indexed_one(catalog):
    """The selector filters on `english_search_vector()`; PostgreSQL serves that condition from the GIN index
    (the index would silently stop being used if the two expressions drifted apart)."""
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    from licensing.models.catalog import english_search_vector

    queryset = LicenceType.objects.annotate(search_en=english_search_vector()).filter(
        search_en=SearchQuery("handicrafts", config="english")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "licencetype_search_en" in plan


def test_apply_action_comes_before_the_long_details_and_consent_is_said_to_come_first(catalog):
    """At phone width the columns stack in source order: the apply panel must come before the description,
    documents and steps. Consent is asked before the form (applications.views.start), not at the end."""
    html = _client().get(_detail("MOT-HL-001")).content.decode()
    page = _page(_client().get(_detail("MOT-HL-001")))

    assert html.index('data-testid="apply-panel"') < html.index('id="service-about"')
    assert "order-lg-2" in page.one("aside").classes
    asked = page.with_class("esb-service-form-steps")[0].text
    assert asked.index("before the form") < asked.index("Business information")
    assert "Check your answers and submit" in asked
    assert "Check your answers and give your consent" not in html


def test_a_service_page_links_to_a_support_request_about_that_service(catalog):
    """The request then reaches the help desk of the service's institution (portal scoping, issue 9)."""
    response = _client().get(f"{LIST}MISTI-HC-001/")
    assert b'href="/help/support/?service=MISTI-HC-001"' in response.content
