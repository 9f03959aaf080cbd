"""(c) The committed .mo files are what the .po files say (compiled by polib; any compiler whose output
gettext reads as the same messages will do), and `scripts/messages.py check` holds the project to it."""

from __future__ import annotations

import gettext
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.i18n.support import ROOT, messages_tool

SAMPLE_PO = r"""# A sample catalog that exercises every part of the format. A fuzzy header, as
# makemessages writes it, is still compiled: msgfmt does the same.
#, fuzzy
msgid ""
msgstr ""
"Language: km\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#. upstream: sample
#, python-format
msgid "Add %(name)s"
msgstr "បន្ថែម %(name)s"

msgctxt "abbrev. month"
msgid "May"
msgstr "ឧសភា"

msgid "May"
msgstr "ឧសភា (ពេញ)"

#, python-format
msgid "%(count)s item"
msgid_plural "%(count)s items"
msgstr[0] "%(count)s ធាតុ"

msgctxt "naturaltime-past"
msgid "%(num)d year"
msgid_plural "%(num)d years"
msgstr[0] "%(num)d ឆ្នាំ"

msgid ""
"\n"
"  Line one \"quoted\"\n"
"  tab\there"
msgstr ""
"\n"
"  បន្ទាត់ \"សម្រង់\"\n"
"  ថេប\there"

#, fuzzy
msgid "Fuzzy"
msgstr "មិនទាន់ប្រាកដ"

msgid "Untranslated"
msgstr ""

#~ msgid "Obsolete"
#~ msgstr "ហួសសម័យ"
"""


def _catalog(tmp_path: Path, text: str = SAMPLE_PO, language: str = "km") -> Path:
    po = tmp_path / language / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(text, encoding="utf-8")
    return po


def test_compiled_mo_is_read_by_python_gettext(tmp_path):
    tool = messages_tool()
    data = tool.compile_po(_catalog(tmp_path))
    trans = gettext.GNUTranslations(io.BytesIO(data))
    assert trans.gettext("Add %(name)s") == "បន្ថែម %(name)s"
    assert trans.pgettext("abbrev. month", "May") == "ឧសភា"
    assert trans.gettext("May") == "ឧសភា (ពេញ)"
    for n in (1, 2, 17):
        assert trans.ngettext("%(count)s item", "%(count)s items", n) == "%(count)s ធាតុ"
        assert trans.npgettext("naturaltime-past", "%(num)d year", "%(num)d years", n) == "%(num)d ឆ្នាំ"
    assert trans.gettext('\n  Line one "quoted"\n  tab\there') == '\n  បន្ទាត់ "សម្រង់"\n  ថេប\there'
    # like msgfmt: fuzzy, untranslated and obsolete entries are left out
    assert trans.gettext("Fuzzy") == "Fuzzy"
    assert trans.gettext("Untranslated") == "Untranslated"
    assert trans.gettext("Obsolete") == "Obsolete"
    assert trans.info()["plural-forms"] == "nplurals=1; plural=0;"


def test_compiling_is_deterministic_and_keeps_only_what_gettext_needs(tmp_path):
    tool = messages_tool()
    po = _catalog(tmp_path)
    assert tool.compile_po(po) == tool.compile_po(po)
    catalog = tool.mo_catalog(tool.compile_po(po))
    assert "pot-creation-date" not in catalog["header"]
    assert catalog["header"]["plural-forms"] == "nplurals=1; plural=0;"
    assert set(catalog["messages"]) == {
        "Add %(name)s",
        "abbrev. month\x04May",
        "May",
        ("%(count)s item", 0),
        ("naturaltime-past\x04%(num)d year", 0),
        '\n  Line one "quoted"\n  tab\there',
    }


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext not installed (only a dev tool)")
def test_same_messages_as_gnu_msgfmt(tmp_path):
    tool = messages_tool()
    catalogs = [_catalog(tmp_path), *tool.project_catalogs()]
    for po in catalogs:
        theirs = subprocess.run(["msgfmt", "-o", "-", str(po)], capture_output=True, check=True).stdout
        assert tool.mo_catalog(theirs) == tool.mo_catalog(tool.compile_po(po)), po


def test_committed_catalogs_hold_what_their_po_says():
    # The .mo files in the tree were written by an earlier compiler: equivalent, so `compile` leaves them.
    tool = messages_tool()
    for po in tool.project_catalogs():
        committed = tool.mo_catalog(po.with_suffix(".mo").read_bytes())
        assert committed == tool.mo_catalog(tool.compile_po(po)), po
        assert len(committed["messages"]) > 70
    assert tool.compile_catalogs(tool.project_catalogs()) == []


def test_project_catalogs_are_compiled_and_complete():
    tool = messages_tool()
    catalogs = tool.project_catalogs()
    assert ROOT / "i18n" / "thirdparty" / "km" / "LC_MESSAGES" / "django.po" in catalogs
    assert ROOT / "i18n" / "thirdparty" / "km" / "LC_MESSAGES" / "djangojs.po" in catalogs
    assert [p for po in catalogs for p in tool.catalog_problems(po)] == []


def test_thirdparty_catalogs_are_in_the_tool_canonical_form():
    # `sync` rewrites the files: a hand edit in another layout would show up as noise in the next diff.
    # The entries are compared (the header block's field order is polib's since the switch to polib).
    tool = messages_tool()
    for domain in ("django", "djangojs"):
        po = ROOT / "i18n" / "thirdparty" / "km" / "LC_MESSAGES" / f"{domain}.po"
        rendered = tool.render_po(tool.read_po(po))
        assert rendered.split("\n\n", 1)[1] == po.read_text(encoding="utf-8").split("\n\n", 1)[1]
        assert tool.render_po(tool.read_po(po)) == tool.render_po(tool.polib.pofile(rendered, wrapwidth=0))


def test_check_command_passes():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "esb.settings"}
    result = subprocess.run(
        [sys.executable, "scripts/messages.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_check_finds_stale_missing_untranslated_and_fuzzy(tmp_path):
    tool = messages_tool()
    po = _catalog(tmp_path)
    problems = tool.catalog_problems(po)
    assert any("no compiled django.mo" in p for p in problems)
    assert any("'Fuzzy' is fuzzy" in p for p in problems)
    assert any("'Untranslated' is not translated" in p for p in problems)

    tool.compile_catalogs([po])
    assert not any("django.mo" in p for p in tool.catalog_problems(po))
    po.write_text(SAMPLE_PO.replace("បន្ថែម %(name)s", "បន្ថែមថ្មី %(name)s"), encoding="utf-8")
    assert any("django.mo is stale" in p for p in tool.catalog_problems(po))


def test_check_only_demands_completeness_of_khmer(tmp_path):
    tool = messages_tool()
    po = _catalog(tmp_path, language="en")
    tool.compile_catalogs([po])
    assert tool.catalog_problems(po) == []


def test_check_finds_a_translation_that_breaks_a_placeholder(tmp_path):
    tool = messages_tool()
    po = _catalog(tmp_path, SAMPLE_PO.replace('"បន្ថែម %(name)s"', '"បន្ថែម %(nom)s"'))
    tool.compile_catalogs([po])
    assert any("'Add %(name)s'" in p and "placeholders" in p for p in tool.catalog_problems(po))


def test_check_accepts_a_mo_written_by_another_compiler(tmp_path):
    # Staleness is judged on content, so `manage.py compilemessages` (GNU msgfmt, with a hash table and
    # another layout) does not make `check` fail.
    tool = messages_tool()
    po = _catalog(tmp_path)
    catalog = tool.read_po(po)
    messages = {"": str(catalog.metadata_as_entry().msgstr)}
    for entry in catalog.translated_entries():
        msgid = (f"{entry.msgctxt}\x04" if entry.msgctxt else "") + entry.msgid
        if entry.msgid_plural:
            messages[f"{msgid}\x00{entry.msgid_plural}"] = "\x00".join(tool.translations(entry))
        else:
            messages[msgid] = entry.msgstr
    # Big-endian, the translations' strings before the originals' (the header stays first: gettext
    # readers need its charset before the other entries).
    keys = sorted(messages)
    import struct

    count = len(keys)
    strings_at = 28 + 16 * count
    pool, table_o, table_t = b"", [], []
    for key in keys:
        table_t.append((len(messages[key].encode()), strings_at + len(pool)))
        pool += messages[key].encode() + b"\0"
    for key in keys:
        table_o.append((len(key.encode()), strings_at + len(pool)))
        pool += key.encode() + b"\0"
    header = struct.pack(">7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, strings_at)
    body = b"".join(struct.pack(">2I", *pair) for pair in table_o + table_t)
    po.with_suffix(".mo").write_bytes(header + body + pool)
    assert not any("django.mo" in p for p in tool.catalog_problems(po))
