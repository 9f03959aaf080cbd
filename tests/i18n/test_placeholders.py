"""(b) Every Khmer translation keeps exactly the placeholders and HTML of its English msgid, and is a
format string Python and gettext tools accept."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.i18n.support import ROOT, messages_tool, thirdparty_entries

DOMAINS = ("django", "djangojs")


def _english(entry) -> str:
    # Khmer has one plural form (nplurals=1), used for every n: it carries the plural's placeholders.
    return entry.msgid_plural or entry.msgid


def test_placeholder_parser_tells_named_from_positional():
    tool = messages_tool()
    assert tool.placeholders("%(b)s of %(a)d, %s then %d {x} {} 100%%") == (
        ["%(a)d", "%(b)s", "{x}"],
        ["%s", "%d", "{}", "%%"],
    )
    assert tool.placeholders("50% done") == ([], [])


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_exactly_the_placeholders_of_their_msgid(domain):
    tool = messages_tool()
    wrong = []
    for entry in thirdparty_entries(domain):
        english = _english(entry)
        for khmer in tool.translations(entry):
            if tool.placeholders(khmer) != tool.placeholders(english):
                wrong.append((entry.msgid, tool.placeholders(english), tool.placeholders(khmer)))
    assert wrong == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_plural_placeholders_cover_the_singular_ones(domain):
    # What makes one Khmer form for every n safe: the plural msgid names every value the singular does.
    tool = messages_tool()
    for entry in thirdparty_entries(domain):
        if entry.msgid_plural:
            singular, plural = tool.placeholders(entry.msgid), tool.placeholders(entry.msgid_plural)
            assert set(singular[0]) <= set(plural[0]), entry.msgid
            assert set(singular[1]) <= set(plural[1]), entry.msgid


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_the_html_of_their_msgid(domain):
    tool = messages_tool()
    wrong = [
        (e.msgid, tool.html_tags(_english(e)), tool.html_tags(k))
        for e in thirdparty_entries(domain)
        for k in tool.translations(e)
        if tool.html_tags(k) != tool.html_tags(_english(e))
    ]
    assert wrong == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_format_like_their_msgid(domain):
    """Format both strings with the same values: a broken conversion (`%(name)`, `%` alone) raises."""
    tool = messages_tool()
    for entry in thirdparty_entries(domain):
        english = _english(entry)
        named, positional = tool.placeholders(english)
        for khmer in tool.translations(entry):
            if "python-format" in entry.flags:
                names = {re.match(r"%\((\w+)\)", p).group(1): 7 for p in named if p.startswith("%(")}
                args = names or tuple(7 for p in positional if p != "%%")
                if len(args) == 1 and not names:
                    args = args[0]
                formatted = khmer % args
                assert "%(" not in formatted, entry.msgid
            if "python-brace-format" in entry.flags:
                names = {p[1:-1]: 7 for p in named if p.startswith("{")}
                khmer.format(*(7 for p in positional if p == "{}"), **names)


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_leading_and_trailing_newlines(domain):
    # GNU msgfmt --check rejects a translation that does not begin/end with \n when its msgid does.
    tool = messages_tool()
    for entry in thirdparty_entries(domain):
        english = _english(entry)
        for khmer in tool.translations(entry):
            assert khmer.startswith("\n") == english.startswith("\n"), entry.msgid
            assert khmer.endswith("\n") == english.endswith("\n"), entry.msgid


def test_special_msgids_keep_their_machine_readable_shape():
    by_msgid = {e.msgid: e.msgstr for e in thirdparty_entries("django")}
    # the `yesno` filter splits this on commas into 3 values
    assert len(by_msgid["yes,no,maybe"].split(",")) == 3
    # forms add no label suffix after these marks: the English ones must stay, Khmer ones are added
    assert set(":?.!") <= set(by_msgid[":?.!"])
    assert "។" in by_msgid[":?.!"]


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext not installed (only a dev tool)")
@pytest.mark.parametrize("domain", DOMAINS)
def test_gnu_msgfmt_check_accepts_the_catalogs(domain):
    po = ROOT / "i18n" / "thirdparty" / "km" / "LC_MESSAGES" / f"{domain}.po"
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
