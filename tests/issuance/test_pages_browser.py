# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""The licence pages in a real browser, in Khmer and English, at 390 px and 1280 px: the holder's list and
licence page, the officer's register and licence page — no horizontal scrolling, no script error, no serious
or critical axe violation."""

from __future__ import annotations

import pytest
from django.db import transaction

from registry.models import Country
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    _english,
    applicant,
    business,
    free_service,
    owner,
    service,
    status_officer,
    suspended_licence,
    valid_licence,
)
from tests.review.test_screen_browser import _check, _open

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference(reference_data):
    from privacy import demo as privacy_demo

    privacy_demo.seed()
    if not Country.objects.exists():
        from registry.reference_loader import load_countries, load_gazetteer, load_isic

        with transaction.atomic():
            load_countries()
            load_gazetteer()
            load_isic()


def test_licence_pages_in_both_languages_at_both_widths(
    browser, live_server, reference, applicant, business, service, status_officer
):
    licence = valid_licence(
        applicant,
        service,
        business,
        holder_km="ក្រុមហ៊ុន ពាណិជ្ជកម្ម អន្តរជាតិ ខេមរភូមិន្ទ ឯ.ក",
        holder_en="Khemara Trading",
    )
    suspended_licence(applicant, service, business)
    base = live_server.url
    for language in ("km", "en"):
        for width in (390, 1280):
            for user, urls, rows in (
                (applicant, ["/licences/", f"/licences/{licence.public_id}/"], "licence-row"),
                (
                    status_officer,
                    ["/backoffice/licences/", f"/backoffice/licences/{licence.public_id}/"],
                    "register-row",
                ),
            ):
                context, page, errors = _open(browser, base, user, language, width)
                try:
                    page.goto(base + urls[0])
                    _check(page, errors, f"{urls[0]} {language} {width}", width)
                    assert page.locator(f"[data-testid={rows}]").count() == 2
                    page.goto(base + urls[1])
                    _check(page, errors, f"{urls[1]} {language} {width}", width)
                    assert page.evaluate("document.documentElement.lang") == language
                finally:
                    context.close()
