"""The FAQ page and the dashboard FAQ list: published only, grouped, searchable in Khmer and English."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from portal import selectors
from portal.models import FAQ

pytestmark = pytest.mark.django_db


@pytest.fixture
def faqs(faq):
    FAQ.objects.all().delete()  # migration 0002's core FAQs: these tests want a known set
    return {
        "pay": faq(
            category=FAQ.Category.PAYMENT,
            question_en="How do I pay with KHQR?",
            question_km="តើខ្ញុំបង់ប្រាក់តាម KHQR ដោយរបៀបណា?",
            answer_en="Scan the code with your banking app.",
            answer_km="ស្កេនកូដដោយកម្មវិធីធនាគាររបស់អ្នក។",
            sort_order=2,
        ),
        "docs": faq(
            category=FAQ.Category.DOCUMENTS,
            question_en="Which files can I upload?",
            question_km="តើខ្ញុំអាចផ្ទុកឡើងឯកសារអ្វីខ្លះ?",
            answer_en="PDF, JPEG or PNG.\n\nEach page readable.",
            answer_km="PDF, JPEG ឬ PNG។",
            sort_order=1,
        ),
        "hidden": faq(
            category=FAQ.Category.GENERAL,
            question_en="Secret draft question",
            question_km="សំណួរព្រាង",
            is_published=False,
        ),
    }


def test_core_faqs_exist_after_migrate():
    assert FAQ.objects.filter(is_published=True).count() >= 4
    assert not FAQ.objects.filter(question_km="").exists()


def test_page_groups_by_category_and_hides_unpublished(client, faqs):
    response = client.get(reverse("portal:faq"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<details" in html and "<summary" in html
    assert "How do I pay with KHQR?" in html and "Which files can I upload?" in html
    assert "Secret draft question" not in html
    assert "<p>PDF, JPEG or PNG.</p>" in html and "<p>Each page readable.</p>" in html
    assert [code for code, _label, _items in response.context["groups"]] == ["payment", "documents"]
    assert reverse("portal:support") in html and reverse("portal:feedback") in html
    assert "within 2 working days" in html


def test_page_in_khmer_shows_khmer(client, faqs):
    response = client.get(reverse("portal:faq"), HTTP_ACCEPT_LANGUAGE="km")
    assert "តើខ្ញុំបង់ប្រាក់តាម KHQR ដោយរបៀបណា?" in response.content.decode()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("khqr", {"pay"}),  # case-insensitive, English
        ("ផ្ទុកឡើង", {"docs"}),  # Khmer question
        ("កម្មវិធីធនាគារ", {"pay"}),  # Khmer answer
        ("banking app", {"pay"}),  # English answer
        ("draft", set()),  # unpublished stays hidden from search
        ("nothing-like-this", set()),
    ],
)
def test_search_in_both_languages(client, faqs, q, expected):
    response = client.get(reverse("portal:faq"), {"q": q}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    found = {faq.pk for _code, _label, items in response.context["groups"] for faq in items}
    assert found == {faqs[key].pk for key in expected}


def test_search_survives_odd_input(client, faqs):
    for q in ("%", "_", "'; drop table", "x" * 5000):
        assert client.get(reverse("portal:faq"), {"q": q}).status_code == 200
    assert client.get(reverse("portal:faq"), {"q": "\x00"}).status_code == 400  # refused by the middleware


def test_post_not_allowed(client):
    assert client.post(reverse("portal:faq")).status_code == 405


def test_selector_category_and_limit(faqs):
    assert list(selectors.published_faqs(category="payment")) == [faqs["pay"]]
    assert list(selectors.published_faqs(limit=1)) == [faqs["docs"]]  # lowest sort_order first


def test_faq_list_tag(faqs):
    html = Template("{% load portal_ui %}{% faq_list limit=1 %}").render(Context())
    assert "Which files can I upload?" in html
    assert "How do I pay with KHQR?" not in html
    assert "Secret draft question" not in html
    assert "More questions" in html and reverse("portal:faq") in html
