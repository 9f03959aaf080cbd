"""(a) Every string of the upstream catalogs our pages can show — Django core, the installed contrib apps,
django-unfold — comes out in Khmer, through the same gettext calls Django makes."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation
from django.views.i18n import JSONCatalog

from tests.i18n.support import EXPECTED_UPSTREAM, IDENTICAL_ALLOWED, ROOT, messages_tool, upstream


def _labels(domain: str) -> set[str]:
    return {label for label, _entry in upstream(domain)}


def test_upstream_catalogs_are_all_found():
    # Guards against a vacuous pass: every catalog we promise to cover is read, and is not empty.
    assert _labels("django") == EXPECTED_UPSTREAM
    assert _labels("djangojs") == {"django.contrib.admin", "unfold"}
    counts = {label: 0 for label in EXPECTED_UPSTREAM}
    for label, _entry in upstream("django"):
        counts[label] += 1
    assert counts["django"] > 300
    assert counts["django.contrib.admin"] > 150
    assert counts["unfold"] > 100


def test_thirdparty_catalog_comes_after_our_own_in_locale_paths():
    # Our own locale/ must win over the third-party catalog, which must win over Django's own km.
    paths = [str(p) for p in settings.LOCALE_PATHS]
    assert paths.index(str(ROOT / "locale")) < paths.index(str(ROOT / "i18n" / "thirdparty"))


def test_our_khmer_replaces_django_own_poor_translations():
    with translation.override("km"):
        assert translation.gettext("Delete") == "លុប"  # Django ships a misspelling
        assert translation.gettext("Yes") == "បាទ/ចាស"  # Django ships "agree"
        assert translation.gettext("Dutch") == "ភាសាហូឡង់"  # Django ships "Finnish"


def _khmer_and_english(entry, n: int | None = None) -> tuple[str, str]:
    ctxt, msgid, plural = entry.msgctxt, entry.msgid, entry.msgid_plural
    if not plural:
        khmer = translation.pgettext(ctxt, msgid) if ctxt is not None else translation.gettext(msgid)
        return khmer, msgid
    if ctxt is not None:
        khmer = translation.npgettext(ctxt, msgid, plural, n)
    else:
        khmer = translation.ngettext(msgid, plural, n)
    return khmer, msgid if n == 1 else plural


@pytest.mark.parametrize("label", sorted(EXPECTED_UPSTREAM))
def test_every_upstream_msgid_has_a_khmer_translation(label):
    tool = messages_tool()
    entries = [e for lab, e in upstream("django") if lab == label]
    untranslated = []
    with translation.override("km"):
        for entry in entries:
            for n in (1, 2, 5) if entry.msgid_plural else (None,):
                khmer, english = _khmer_and_english(entry, n)
                if not khmer.strip() or (khmer == english and tool.key(entry) not in IDENTICAL_ALLOWED):
                    untranslated.append((entry.msgctxt, english))
    assert entries
    assert untranslated == [], f"{len(untranslated)} of {len(entries)} {label} msgids stay English"


def test_allowed_identical_translations_are_real_msgids():
    # The allow-list must not grow stale: every entry in it is still an upstream msgid.
    keys = {messages_tool().key(e) for _label, e in upstream("django")}
    assert set(IDENTICAL_ALLOWED) <= keys


def test_every_admin_javascript_string_has_a_khmer_translation():
    """The admin's JS catalog (calendar, time shortcuts, filter widgets, "X of Y selected"...) as the
    browser receives it, with unfold's date-range filter strings."""
    with translation.override("km"):
        response = JSONCatalog.as_view(packages=["django.contrib.admin"])(RequestFactory().get("/"))
    catalog = json.loads(response.content)["catalog"]
    entries = [e for _label, e in upstream("djangojs")]
    untranslated = []
    for entry in entries:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        value = catalog.get(key)
        if not entry.msgid_plural:
            if not value or (value == entry.msgid and messages_tool().key(entry) not in IDENTICAL_ALLOWED):
                untranslated.append(entry.msgid)
        elif not isinstance(value, list) or not all(value) or entry.msgid_plural in value:
            untranslated.append(entry.msgid)
    assert len(entries) > 70
    assert untranslated == []


def test_unfold_reference_pot_matches_installed_unfold():
    # After upgrading django-unfold: python scripts/messages.py extract-unfold && ... sync (docs/i18n.md)
    tool = messages_tool()
    header = tool.read_po(tool.UNFOLD_POTS["django"]).metadata
    assert header["Project-Id-Version"] == f"django-unfold {tool.unfold_version()}"
