"""Translation catalogs of the project, with the Python standard library only.

The project commits compiled `.mo` files next to their `.po` files, so a fresh machine needs no GNU gettext
(`msgfmt`) to serve translated pages. This script keeps the two in step:

    python scripts/messages.py compile          # every project .po -> .mo (pure Python)
    python scripts/messages.py check            # fail if a .mo is stale, a km .po has untranslated/fuzzy
                                                # entries, or an upstream msgid is missing from i18n/
    python scripts/messages.py stats            # translated entries per catalog and per upstream source
    python scripts/messages.py sync             # refresh i18n/thirdparty/*.po from the installed upstream
                                                # catalogs (after upgrading Django or django-unfold)
    python scripts/messages.py extract-unfold   # regenerate i18n/thirdparty/unfold*.pot (needs xgettext)

Project catalogs are `locale/<lang>/LC_MESSAGES/*.po` (our own strings, made by `makemessages`) and
`i18n/thirdparty/<lang>/LC_MESSAGES/*.po` (Khmer for Django, its contrib apps and django-unfold). See
docs/i18n.md.
"""

from __future__ import annotations

import argparse
import gettext
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIRDPARTY = ROOT / "i18n" / "thirdparty"
CATALOG_ROOTS = (ROOT / "locale", THIRDPARTY)
# Languages whose catalogs must be complete (`check` fails on a missing or fuzzy translation).
COMPLETE_LANGUAGES = ("km",)
UNFOLD_POTS = {"django": THIRDPARTY / "unfold.pot", "djangojs": THIRDPARTY / "unfold-djangojs.pot"}
# Header of the third-party Khmer catalogs, written by `sync`.
KHMER_HEADER = {
    "Project-Id-Version": "esb-portal third-party Khmer",
    "Last-Translator": "ESB Portal team",
    "Language-Team": "Khmer (ESB Portal, docs/i18n.md)",
    "Language": "km",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}

MO_MAGIC = 0x950412DE


# --------------------------------------------------------------------------------------------------
# .po reading and writing


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    translator_comments: list[str] = field(default_factory=list)
    extracted_comments: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural.values())
        return bool(self.msgstr)

    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]
        return [self.msgstr]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"'}


def unquote(literal: str) -> str:
    """Decode one C-style quoted string as written in a .po file."""
    literal = literal.strip()
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"not a quoted string: {literal!r}")
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2 :])
            if not m:
                raise ValueError(f"bad \\x escape in {literal!r}")
            out.append(chr(int(m.group(), 16)))
            i += 2 + len(m.group())
        elif nxt.isdigit():
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            out.append(chr(int(m.group(), 8)))
            i += 1 + len(m.group())
        else:
            raise ValueError(f"bad escape in {literal!r}")
    return "".join(out)


def quote(text: str) -> str:
    return (
        '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")) + '"'
    )


def parse_po(text: str) -> list[Entry]:
    """Parse a .po/.pot file into entries (the header, msgid "", included)."""
    entries: list[Entry] = []
    cur: Entry | None = None
    keyword: str | None = None  # the keyword whose continuation lines follow
    seen_msgid = False
    comments: dict[str, list] = {"tc": [], "ec": [], "ref": [], "prev": [], "flags": []}

    def finish() -> None:
        nonlocal cur, seen_msgid
        if cur is not None and seen_msgid:
            entries.append(cur)
        cur, seen_msgid = None, False

    def fresh(obsolete: bool = False) -> Entry:
        entry = Entry(
            msgid="",
            flags=comments["flags"],
            translator_comments=comments["tc"],
            extracted_comments=comments["ec"],
            references=comments["ref"],
            previous=comments["prev"],
            obsolete=obsolete,
        )
        for k in comments:
            comments[k] = []
        return entry

    def append(entry: Entry, kw: str, value: str) -> None:
        if kw == "msgid":
            entry.msgid += value
        elif kw == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif kw == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif kw == "msgstr":
            entry.msgstr += value
        else:
            idx = int(kw[7:-1])
            entry.msgstr_plural[idx] = entry.msgstr_plural.get(idx, "") + value

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        obsolete = False
        if line.startswith("#~"):
            obsolete, line = True, line[2:].strip()
            if line.startswith("|"):
                continue
        if not line:
            finish()
            keyword = None
            continue
        if line.startswith("#"):
            if seen_msgid and cur is not None and keyword and keyword.startswith("msgstr"):
                finish()
            kind, rest = line[:2], line[2:].strip()
            if kind == "#,":
                comments["flags"].extend(f.strip() for f in rest.split(",") if f.strip())
            elif kind == "#.":
                comments["ec"].append(rest)
            elif kind == "#:":
                comments["ref"].extend(rest.split())
            elif kind == "#|":
                comments["prev"].append(rest)
            else:
                comments["tc"].append(line[1:].removeprefix(" "))
            continue
        m = re.match(r"(msgctxt|msgid_plural|msgid|msgstr\[\d+\]|msgstr)\s+(\".*\")$", line)
        try:
            if m:
                kw, value = m.group(1), unquote(m.group(2))
                if kw == "msgctxt" or (kw == "msgid" and (cur is None or seen_msgid)):
                    finish()
                    cur = fresh(obsolete)
                if cur is None:
                    raise ValueError(f"{kw} before msgid")
                if kw == "msgctxt":
                    cur.msgctxt = ""
                if kw == "msgid":
                    seen_msgid = True
                if kw == "msgid_plural":
                    cur.msgid_plural = ""
                append(cur, kw, value)
                keyword = kw
            elif line.startswith('"') and cur is not None and keyword:
                append(cur, keyword, unquote(line))
            else:
                raise ValueError(f"unexpected line {raw!r}")
        except ValueError as exc:
            raise ValueError(f"line {lineno}: {exc}") from None
    finish()
    return entries


def _write_string(out: list[str], prefix: str, keyword: str, text: str) -> None:
    if "\n" in text[:-1]:
        out.append(f'{prefix}{keyword} ""')
        for part in re.findall(r"[^\n]*\n|[^\n]+$", text):
            out.append(prefix + quote(part))
    else:
        out.append(f"{prefix}{keyword} {quote(text)}")


def dump_po(entries: Iterable[Entry]) -> str:
    out: list[str] = []
    for entry in entries:
        prefix = "#~ " if entry.obsolete else ""
        out.extend(f"# {c}".rstrip() for c in entry.translator_comments)
        out.extend(f"#. {c}" for c in entry.extracted_comments)
        if entry.references:
            out.append("#: " + " ".join(entry.references))
        if entry.flags:
            out.append("#, " + ", ".join(entry.flags))
        out.extend(f"#| {p}" for p in entry.previous)
        if entry.msgctxt is not None:
            _write_string(out, prefix, "msgctxt", entry.msgctxt)
        _write_string(out, prefix, "msgid", entry.msgid)
        if entry.msgid_plural is not None:
            _write_string(out, prefix, "msgid_plural", entry.msgid_plural)
            for idx in sorted(entry.msgstr_plural) or [0]:
                _write_string(out, prefix, f"msgstr[{idx}]", entry.msgstr_plural.get(idx, ""))
        else:
            _write_string(out, prefix, "msgstr", entry.msgstr)
        out.append("")
    return "\n".join(out)


def read_po(path: Path) -> list[Entry]:
    try:
        return parse_po(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def header_fields(entries: list[Entry]) -> dict[str, str]:
    for entry in entries:
        if entry.is_header:
            pairs = (line.split(":", 1) for line in entry.msgstr.splitlines() if ":" in line)
            return {k.strip(): v.strip() for k, v in pairs}
    return {}


# --------------------------------------------------------------------------------------------------
# .mo writing and reading


def mo_messages(entries: Iterable[Entry]) -> dict[bytes, bytes]:
    """The (key, value) pairs a .mo file holds for these entries, as msgfmt would include them: the
    header, and every translated non-fuzzy, non-obsolete entry. A context is `ctxt\\x04msgid`; a plural
    entry is `msgid\\x00msgid_plural` -> `str0\\x00str1...`."""
    messages: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.obsolete:
            continue
        if not entry.is_header and (entry.fuzzy or not entry.translated):
            continue
        key = entry.msgid
        if entry.msgctxt is not None:
            key = f"{entry.msgctxt}\x04{key}"
        if entry.msgid_plural is not None:
            key = f"{key}\x00{entry.msgid_plural}"
        value = "\x00".join(entry.translations())
        if entry.is_header:
            # as GNU msgfmt does: the extraction date must not make a rebuilt catalog differ
            value = re.sub(r"^POT-Creation-Date:.*\n", "", value, flags=re.MULTILINE)
        messages[key.encode("utf-8")] = value.encode("utf-8")
    return messages


def write_mo(messages: dict[bytes, bytes]) -> bytes:
    """Serialise a GNU .mo file (little-endian, revision 0, no hash table), keys sorted as msgfmt does."""
    keys = sorted(messages)
    count = len(keys)
    header_size = 7 * 4
    originals_at = header_size
    translations_at = originals_at + 8 * count
    strings_at = translations_at + 8 * count
    pool = io.BytesIO()
    original_table, translation_table = [], []
    for table, values in (
        (original_table, keys),
        (translation_table, [messages[k] for k in keys]),
    ):
        for value in values:
            table.append((len(value), strings_at + pool.tell()))
            pool.write(value + b"\x00")
    out = io.BytesIO()
    out.write(struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, strings_at))
    for length, offset in original_table + translation_table:
        out.write(struct.pack("<2I", length, offset))
    out.write(pool.getvalue())
    return out.getvalue()


def read_mo(data: bytes) -> dict[bytes, bytes]:
    """Read the raw (key, value) pairs of a .mo file, whatever tool wrote it (either byte order)."""
    if len(data) < 28:
        raise ValueError("too short for a .mo file")
    for order in ("<", ">"):
        magic, revision, count, originals_at, translations_at = struct.unpack(order + "5I", data[:20])
        if magic == MO_MAGIC:
            break
    else:
        raise ValueError("bad .mo magic number")
    if revision >> 16 not in (0, 1):
        raise ValueError(f"unsupported .mo revision {revision}")
    messages = {}
    for i in range(count):
        klen, koff = struct.unpack_from(order + "2I", data, originals_at + 8 * i)
        vlen, voff = struct.unpack_from(order + "2I", data, translations_at + 8 * i)
        messages[data[koff : koff + klen]] = data[voff : voff + vlen]
    return messages


def compile_po(path: Path) -> bytes:
    return write_mo(mo_messages(read_po(path)))


# --------------------------------------------------------------------------------------------------
# commands: compile, check, stats


def project_catalogs() -> list[Path]:
    found: list[Path] = []
    for root in CATALOG_ROOTS:
        if root.is_dir():
            found.extend(sorted(root.glob("*/LC_MESSAGES/*.po")))
    return found


def _language(po: Path) -> str:
    return po.parent.parent.name


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def compile_catalogs(catalogs: Iterable[Path]) -> list[Path]:
    """Write the .mo of each catalog whose compiled form differs; return the ones written."""
    written = []
    for po in catalogs:
        mo = po.with_suffix(".mo")
        data = compile_po(po)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            written.append(mo)
        with mo.open("rb") as fh:  # gettext itself must accept what we wrote
            gettext.GNUTranslations(fh)
    return written


def cmd_compile(_args: argparse.Namespace) -> int:
    catalogs = project_catalogs()
    for mo in compile_catalogs(catalogs):
        print(f"compiled {_display(mo)} ({len(read_mo(mo.read_bytes())) - 1} messages)")
    print(f"{len(catalogs)} catalogs up to date")
    return 0


def catalog_problems(po: Path) -> list[str]:
    """Why this catalog is not ready to ship: a stale or missing .mo (compared by content, so a .mo
    written by GNU msgfmt is as good as ours), and for Khmer any untranslated, fuzzy or duplicate entry."""
    problems: list[str] = []
    rel = _display(po)
    try:
        entries = read_po(po)
    except ValueError as exc:
        return [str(exc)]
    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{rel}: no compiled {mo.name} (run: python scripts/messages.py compile)")
    else:
        try:
            current = read_mo(mo.read_bytes())
        except (ValueError, struct.error) as exc:
            current = {b"": str(exc).encode()}
        if current != mo_messages(entries):
            problems.append(f"{rel}: {mo.name} is stale (run: python scripts/messages.py compile)")
    if _language(po) in COMPLETE_LANGUAGES:
        seen: set[tuple] = set()
        for entry in entries:
            if entry.obsolete or entry.is_header:
                continue
            label = f"{rel}: {entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid[:70]!r}"
            if entry.key in seen:
                problems.append(f"{label} is defined twice")
            seen.add(entry.key)
            if entry.fuzzy:
                problems.append(f"{label} is fuzzy")
            elif not entry.translated:
                problems.append(f"{label} is not translated")
        if header_fields(entries).get("Plural-Forms", "").replace(" ", "") != "nplurals=1;plural=0;":
            problems.append(f"{rel}: Plural-Forms must be 'nplurals=1; plural=0;' for Khmer")
    return problems


def upstream_problems(language: str = "km") -> list[str]:
    """Upstream msgids (Django, installed contrib apps, unfold) that our third-party catalog lacks:
    what an upgrade of Django or django-unfold leaves to do (run `sync`, then translate)."""
    problems = []
    for domain in ("django", "djangojs"):
        po = THIRDPARTY / language / "LC_MESSAGES" / f"{domain}.po"
        ours = {e.key for e in read_po(po)} if po.exists() else set()
        missing = sorted({e.key for _label, e in upstream_entries(domain)} - ours, key=str)
        if missing:
            sample = ", ".join(repr(msgid[:40]) for _ctxt, msgid in missing[:3])
            problems.append(
                f"{_display(po)}: {len(missing)} upstream msgid(s) missing, e.g. {sample} "
                "(run: python scripts/messages.py sync, then translate)"
            )
    return problems


def cmd_check(_args: argparse.Namespace) -> int:
    catalogs = project_catalogs()
    problems = [p for po in catalogs for p in catalog_problems(po)] + upstream_problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {len(catalogs)} catalogs", file=sys.stderr)
        return 1
    print(f"{len(catalogs)} catalogs compiled, complete and in step with upstream")
    return 0


def cmd_stats(_args: argparse.Namespace) -> int:
    for po in project_catalogs():
        entries = [e for e in read_po(po) if not e.is_header and not e.obsolete]
        done = sum(1 for e in entries if e.translated and not e.fuzzy)
        print(f"{_display(po)}: {done}/{len(entries)} translated")
        per_source: dict[str, list[int]] = {}
        for entry in entries:
            for source in sources_of(entry):
                counts = per_source.setdefault(source, [0, 0])
                counts[1] += 1
                counts[0] += int(entry.translated and not entry.fuzzy)
        for source, (n_done, total) in sorted(per_source.items()):
            print(f"    {source}: {n_done}/{total}")
    return 0


# --------------------------------------------------------------------------------------------------
# upstream catalogs and sync


SOURCE_PREFIX = "upstream: "


def sources_of(entry: Entry) -> list[str]:
    for comment in entry.extracted_comments:
        if comment.startswith(SOURCE_PREFIX):
            return comment[len(SOURCE_PREFIX) :].split(", ")
    return []


def _setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
    import django

    django.setup()


def upstream_catalogs(domain: str) -> list[tuple[str, Path]]:
    """(label, path) of every upstream English catalog whose strings our pages can show: Django core,
    the installed django.contrib apps, and the django-unfold extraction kept in i18n/thirdparty/.
    Contrib apps that are not installed (admindocs, flatpages, gis, redirects, sites) are left out:
    none of their strings can reach a page (docs/i18n.md)."""
    _setup_django()
    import django
    from django.apps import apps

    django_dir = Path(django.__file__).resolve().parent
    found = [("django", django_dir / "conf" / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po")]
    for config in apps.get_app_configs():
        if config.name.startswith("django.contrib."):
            po = Path(config.path) / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
            found.append((config.name, po))
    found.append(("unfold", UNFOLD_POTS[domain]))
    return [(label, path) for label, path in found if path.exists()]


def upstream_entries(domain: str) -> list[tuple[str, Entry]]:
    out = []
    for label, path in upstream_catalogs(domain):
        out.extend((label, e) for e in read_po(path) if not e.is_header and not e.obsolete)
    return out


def _khmer_header(entries: list[Entry]) -> Entry:
    old = header_fields(entries)
    fields = {
        **KHMER_HEADER,
        "PO-Revision-Date": old.get("PO-Revision-Date", time.strftime("%Y-%m-%d %H:%M%z")),
    }
    return Entry(msgid="", msgstr="".join(f"{k}: {v}\n" for k, v in fields.items()))


def sync_catalog(domain: str, language: str = "km") -> tuple[int, int, int]:
    """Bring i18n/thirdparty/<language>/LC_MESSAGES/<domain>.po in line with the upstream catalogs:
    keep every existing translation, add new msgids untranslated, drop msgids no longer upstream. A msgid
    found in several upstream catalogs appears once; its `#. upstream:` comment lists them all."""
    po = THIRDPARTY / language / "LC_MESSAGES" / f"{domain}.po"
    old = read_po(po) if po.exists() else []
    existing = {e.key: e for e in old if not e.obsolete and not e.is_header}
    merged: dict[tuple, Entry] = {}
    for label, up in upstream_entries(domain):
        if up.key in merged:
            target = merged[up.key]
            if label not in sources_of(target):
                target.extracted_comments = [SOURCE_PREFIX + ", ".join([*sources_of(target), label])]
            for flag in up.flags:
                if flag not in target.flags and flag != "fuzzy":
                    target.flags.append(flag)
            continue
        entry = Entry(
            msgid=up.msgid,
            msgctxt=up.msgctxt,
            msgid_plural=up.msgid_plural,
            flags=[f for f in up.flags if f != "fuzzy"],
            extracted_comments=[SOURCE_PREFIX + label],
        )
        before = existing.get(up.key)
        if before is not None:
            entry.translator_comments = before.translator_comments
            translation = before.translations()[0]
            if up.msgid_plural is not None:
                entry.msgstr_plural = {0: translation}
            else:
                entry.msgstr = translation
            # the English changed shape (plural added or changed): a translator must look again
            if before.fuzzy or before.msgid_plural != up.msgid_plural:
                entry.flags.append("fuzzy")
        elif up.msgid_plural is not None:
            entry.msgstr_plural = {0: ""}
        merged[up.key] = entry
    added = sum(1 for key in merged if key not in existing)
    dropped = sum(1 for key in existing if key not in merged)
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(dump_po([_khmer_header(old), *merged.values()]), encoding="utf-8")
    return len(merged), added, dropped


def cmd_sync(_args: argparse.Namespace) -> int:
    for domain in ("django", "djangojs"):
        total, added, dropped = sync_catalog(domain)
        print(
            f"{domain}.po: {total} msgids, {added} new (untranslated), {dropped} no longer upstream (dropped)"
        )
    print("Next: translate the new entries, then run `compile` and `check`.")
    return 0


def extract_unfold() -> dict[str, str]:
    """django-unfold's strings as .pot texts per domain, extracted by Django's own makemessages run on
    a copy of the installed package (unfold ships no catalogs). Needs GNU gettext (xgettext) at
    extraction time only; nothing at run time does."""
    import unfold

    source = Path(unfold.__file__).resolve().parent
    pots = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "unfold"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale"))
        (copy / "locale").mkdir()
        # No settings: with them makemessages would write into LOCALE_PATHS[0], our own locale/.
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        command = [sys.executable, "-m", "django", "makemessages", "-l", "en", "--keep-pot"]
        for domain, extra in (
            ("django", ["-e", "html,txt,py"]),
            # the vendored libraries under static/unfold/js (htmx, alpine, chart.js...) hold no strings
            ("djangojs", ["-d", "djangojs", "--ignore", "static/unfold/js/*"]),
        ):
            subprocess.run([*command, *extra], cwd=copy, env=env, check=True, capture_output=True)
            text = (copy / "locale" / f"{domain}.pot").read_text(encoding="utf-8")
            text = re.sub(r'"POT-Creation-Date: [^"]*\\n"\n', "", text)
            pots[domain] = text.replace("PACKAGE VERSION", f"django-unfold {unfold_version()}", 1)
    return pots


def unfold_version() -> str:
    from importlib.metadata import version

    return version("django-unfold")


def cmd_extract_unfold(_args: argparse.Namespace) -> int:
    if not shutil.which("xgettext"):
        print("xgettext (GNU gettext) is needed to extract strings: apt-get install gettext", file=sys.stderr)
        return 1
    for domain, text in extract_unfold().items():
        UNFOLD_POTS[domain].parent.mkdir(parents=True, exist_ok=True)
        UNFOLD_POTS[domain].write_text(text, encoding="utf-8")
        count = sum(1 for e in parse_po(text) if not e.is_header)
        print(f"{_display(UNFOLD_POTS[domain])}: {count} msgids")
    print("Next: python scripts/messages.py sync")
    return 0


# --------------------------------------------------------------------------------------------------
# placeholders (shared with the tests)

PLACEHOLDER_RE = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc%]"  # %(name)s
    r"|%[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc]"  # %s, %d, %.1f
    r"|%%"
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}|\{\d*\}"  # {name}, {0}, {}
)
HTML_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """(sorted named placeholders, positional placeholders in order): named ones may be reordered by a
    translation, positional ones may not."""
    found = PLACEHOLDER_RE.findall(text)
    named = sorted(
        p for p in found if p.startswith("%(") or (p.startswith("{") and p[1:-1] and not p[1].isdigit())
    )
    positional = [p for p in found if p not in named]
    return named, positional


def html_tags(text: str) -> list[str]:
    return sorted(HTML_TAG_RE.findall(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("compile", cmd_compile, "compile every project .po into its .mo (standard library only)"),
        ("check", cmd_check, "fail if a .mo is stale or a km .po has untranslated or fuzzy entries"),
        ("stats", cmd_stats, "translated entries per catalog and per upstream source"),
        ("sync", cmd_sync, "refresh i18n/thirdparty/km/*.po from the installed upstream catalogs"),
        ("extract-unfold", cmd_extract_unfold, "regenerate i18n/thirdparty/unfold*.pot (needs xgettext)"),
    ):
        sub.add_parser(name, help=text).set_defaults(func=func)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
