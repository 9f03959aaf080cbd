"""One date format per language everywhere: "4 Dec 2026, 18:20" in English, Khmer month names in Khmer.

Pages showed `12/04/2026 6:20 p.m.` on /notifications/ and "4 December 2026, 18:20" on the status page. Every
template now writes dates through `|esb_date` / `|esb_datetime` (esb.templatetags.esb_ui), read from the
formats in esb/formats; the grep test keeps a new template from bringing its own `|date:` back."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from notifications.models import Notification
from notifications.services import notify

ROOT = Path(settings.BASE_DIR)
# 18:20 in Phnom Penh (UTC+7) on 4 December 2026
MOMENT = datetime.datetime(2026, 12, 4, 11, 20, tzinfo=datetime.UTC)
RAW_DATE = re.compile(r"\|\s*date\b")


def _render(source: str, **context) -> str:
    return Template("{% load esb_ui %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "date", "moment"),
    [("en", "4 Dec 2026", "4 Dec 2026, 18:20"), ("km", "4 ធ្នូ 2026", "4 ធ្នូ 2026, 18:20")],
)
def test_one_format_per_language_in_local_time(language, date, moment):
    with translation.override(language):
        assert _render("{{ m|esb_datetime }}", m=MOMENT) == moment
        assert _render("{{ m|esb_date }}", m=MOMENT) == date
        assert _render("{{ d|esb_date }}", d=MOMENT.date()) == date
        assert _render("{{ m|iso_datetime }}", m=MOMENT) == "2026-12-04T18:20:00+07:00"
        assert _render("{{ m|esb_datetime }}{{ m|esb_date }}", m=None) == ""


def _templates() -> list[Path]:
    found = []
    for folder in ROOT.iterdir():
        if folder.name.startswith(".") or folder.name in {"node_modules", "locale"}:
            continue
        found += [p for p in folder.rglob("*") if p.suffix in {".html", ".txt"} and "templates" in p.parts]
    return found


def test_no_template_formats_a_date_itself():
    templates = _templates()
    assert len(templates) > 40  # the walk really finds the project's templates
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if RAW_DATE.search(line)
    ]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("en", "4 Dec 2026, 18:20"), ("km", "4 ធ្នូ 2026, 18:20")])
def test_notifications_page_shows_the_portal_date_format(client, language, shown):
    user = User.objects.create_user(username="dates", full_name_en="Date Reader", email="d@example.com")
    notification = notify(user, title_km="សាកល្បង", title_en="A test")
    Notification.objects.filter(pk=notification.pk).update(created_at=MOMENT)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(reverse("notifications:list")).content.decode()

    assert shown in html
    assert 'datetime="2026-12-04T18:20:00+07:00"' in html
    assert "p.m." not in html and "12/04/2026" not in html
