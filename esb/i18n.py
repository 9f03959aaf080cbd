"""Bilingual data (`*_km` / `*_en` field pairs) shown in the active language."""

from __future__ import annotations

from django.utils.translation import get_language


def is_khmer() -> bool:
    return (get_language() or "").startswith("km")


def localized(km: str, en: str) -> str:
    """The Khmer text when the active language is Khmer, else English; either falls back to the other."""
    return (km or en) if is_khmer() else (en or km)
