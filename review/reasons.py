"""The first list of legal rejection reasons (a data migration seeds it; service administrators maintain it in
the back-office afterwards). `seed_rejection_reasons` adds the missing ones and never changes edited rows."""

from __future__ import annotations

# code, Khmer label, English label
DEFAULT_REASONS: list[tuple[str, str, str]] = [
    (
        "incomplete-after-return",
        "ឯកសារ ឬព័ត៌មាននៅតែមិនគ្រប់គ្រាន់ ក្រោយពេលប្រគល់ឱ្យកែតម្រូវ",
        "Documents or information still incomplete after the application was returned for correction",
    ),
    ("legal-requirements-not-met", "មិនបំពេញលក្ខខណ្ឌតម្រូវតាមច្បាប់", "The requirements of the law are not met"),
    ("false-information", "ព័ត៌មានមិនពិត ឬមិនស៊ីសង្វាក់គ្នា", "False or inconsistent information"),
    (
        "activity-not-permitted-here",
        "សកម្មភាពអាជីវកម្មនេះមិនត្រូវបានអនុញ្ញាតនៅទីតាំងនេះទេ",
        "The activity is not permitted at this location",
    ),
    (
        "premises-not-compliant",
        "ទីតាំងមិនស្របតាមស្តង់ដារ ក្រោយការចុះត្រួតពិនិត្យ",
        "The premises are not compliant after inspection",
    ),
    ("applicant-not-eligible", "អ្នកដាក់ពាក្យមិនមានលក្ខណៈសម្បត្តិគ្រប់គ្រាន់", "The applicant is not eligible"),
    ("duplicate-application", "ពាក្យស្នើសុំស្ទួន", "Duplicate application"),
]


def seed_rejection_reasons(model=None) -> int:
    """Create the default reasons that are missing (by code); returns how many were created."""
    if model is None:
        from review.models import RejectionReason as model
    created = 0
    for order, (code, label_km, label_en) in enumerate(DEFAULT_REASONS, start=1):
        _row, made = model.objects.get_or_create(
            code=code, defaults={"label_km": label_km, "label_en": label_en, "order": order * 10}
        )
        created += made
    return created
