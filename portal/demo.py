"""Demo help content: the bilingual FAQs of demo_data/faq.yaml (applying, documents, payment, accounts).

Idempotent: each FAQ is matched on its English question and created only when missing (through
`portal.services.create_faq`), so an administrator's later edits are kept. Migration 0002 already creates the
first four on every deployment.
"""

from __future__ import annotations

from esb.demo_data import Key, check_value, read
from portal import services
from portal.models import FAQ

_TEXT = Key(str)
FAQ_ENTRY = {
    "category": Key(str, choices=FAQ.Category.values),
    "sort_order": Key(int),
    "question_km": _TEXT,
    "question_en": _TEXT,
    "answer_km": _TEXT,
    "answer_en": _TEXT,
}


def faqs() -> list[dict]:
    data, where = read("faq.yaml", "faqs")
    check_value(data, Key(list, items=FAQ_ENTRY), where)
    return data


def seed(out=None, **options) -> None:
    entries = faqs()
    created = 0
    for entry in entries:
        if not FAQ.objects.filter(question_en=entry["question_en"]).exists():
            services.create_faq(is_published=True, **entry)
            created += 1
    if out is not None:
        out.write(f"portal: {created} FAQ(s) created, {len(entries) - created} already present")
