"""Translation catalogs of the project: polib reads and writes them; the project's own rules live here.

The project commits compiled `.mo` files next to their `.po` files, so a fresh machine needs no GNU gettext
(`msgfmt`) to serve translated pages. This script keeps the two in step:

    python scripts/messages.py compile          # every project .po -> .mo (polib, pure Python)
    python scripts/messages.py check            # fail if a .mo is stale, a km .po has untranslated/fuzzy
                                                # entries or a translation that drops or adds a
                                                # placeholder, or an upstream msgid is missing from i18n/
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
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import polib

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

# --------------------------------------------------------------------------------------------------
# catalogs: read and written by polib; only what the project adds to it lives here


def read_po(path: Path) -> polib.POFile:
    """A .po/.pot file (entries, `metadata` for the header). A malformed file is a ValueError."""
    try:
        return polib.pofile(str(path), encoding="utf-8", wrapwidth=0)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{_display(path)}: {exc}") from None


def key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def translations(entry: polib.POEntry) -> list[str]:
    """The Khmer text(s) of an entry: one string, or every plural form in order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def render_po(catalog: polib.POFile) -> str:
    """A catalog as `sync` writes it: polib's layout, lines never wrapped, no empty header comment."""
    return str(catalog).removeprefix("#\n")


def compile_po(path: Path) -> bytes:
    """The .mo of a catalog: the header and every translated, non-fuzzy, non-obsolete entry (as msgfmt)."""
    return read_po(path).to_binary()


def mo_catalog(data: bytes) -> dict:
    """What gettext reads from a compiled catalog: every message, and the header's fields except the
    extraction date (a rebuilt catalog must not differ for it). Two .mo files are equivalent when these
    are equal, whatever compiler wrote them (polib, GNU msgfmt) and in whatever layout."""
    translations_ = gettext.GNUTranslations(io.BytesIO(data))
    messages = {k: v for k, v in translations_._catalog.items() if k != ""}
    header = {k: v for k, v in translations_.info().items() if k != "pot-creation-date"}
    return {"header": header, "messages": messages}


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
        # Compared by content: an equivalent .mo (another compiler, only the date changed) stays as it is.
        if not mo.exists() or _mo_catalog_or_none(mo.read_bytes()) != mo_catalog(data):
            mo.write_bytes(data)
            written.append(mo)
    return written


def _mo_catalog_or_none(data: bytes) -> dict | None:
    try:
        return mo_catalog(data)
    except (OSError, ValueError, UnicodeDecodeError):  # not a .mo gettext can read: rebuild it
        return None


def cmd_compile(_args: argparse.Namespace) -> int:
    catalogs = project_catalogs()
    for mo in compile_catalogs(catalogs):
        print(f"compiled {_display(mo)} ({len(mo_catalog(mo.read_bytes())['messages'])} messages)")
    print(f"{len(catalogs)} catalogs up to date")
    return 0


def catalog_problems(po: Path) -> list[str]:
    """Why this catalog is not ready to ship: a stale or missing .mo (compared by content, so a .mo
    written by GNU msgfmt is as good as ours), and for Khmer any untranslated, fuzzy or duplicate entry."""
    problems: list[str] = []
    rel = _display(po)
    try:
        catalog = read_po(po)
    except ValueError as exc:
        return [str(exc)]
    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{rel}: no compiled {mo.name} (run: python scripts/messages.py compile)")
    elif _mo_catalog_or_none(mo.read_bytes()) != mo_catalog(catalog.to_binary()):
        problems.append(f"{rel}: {mo.name} is stale (run: python scripts/messages.py compile)")
    if _language(po) in COMPLETE_LANGUAGES:
        seen: set[tuple] = set()
        for entry in catalog:
            if entry.obsolete:
                continue
            label = f"{rel}: {entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid[:70]!r}"
            if key(entry) in seen:
                problems.append(f"{label} is defined twice")
            seen.add(key(entry))
            if entry.fuzzy:
                problems.append(f"{label} is fuzzy")
            elif not entry.translated():
                problems.append(f"{label} is not translated")
            else:
                problems.extend(f"{label}: {p}" for p in placeholder_problems(entry))
        if catalog.metadata.get("Plural-Forms", "").replace(" ", "") != "nplurals=1;plural=0;":
            problems.append(f"{rel}: Plural-Forms must be 'nplurals=1; plural=0;' for Khmer")
    return problems


def upstream_problems(language: str = "km") -> list[str]:
    """Upstream msgids (Django, installed contrib apps, unfold) that our third-party catalog lacks:
    what an upgrade of Django or django-unfold leaves to do (run `sync`, then translate)."""
    problems = []
    for domain in ("django", "djangojs"):
        po = THIRDPARTY / language / "LC_MESSAGES" / f"{domain}.po"
        ours = {key(e) for e in read_po(po)} if po.exists() else set()
        missing = sorted({key(e) for _label, e in upstream_entries(domain)} - ours, key=str)
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
        entries = [e for e in read_po(po) if not e.obsolete]
        done = sum(1 for e in entries if e.translated())
        print(f"{_display(po)}: {done}/{len(entries)} translated")
        per_source: dict[str, list[int]] = {}
        for entry in entries:
            for source in sources_of(entry):
                counts = per_source.setdefault(source, [0, 0])
                counts[1] += 1
                counts[0] += int(entry.translated())
        for source, (n_done, total) in sorted(per_source.items()):
            print(f"    {source}: {n_done}/{total}")
    return 0


# --------------------------------------------------------------------------------------------------
# upstream catalogs and sync


SOURCE_PREFIX = "upstream: "


def sources_of(entry: polib.POEntry) -> list[str]:
    for comment in entry.comment.splitlines():
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


def upstream_entries(domain: str) -> list[tuple[str, polib.POEntry]]:
    out = []
    for label, path in upstream_catalogs(domain):
        out.extend((label, e) for e in read_po(path) if not e.obsolete)
    return out


def sync_catalog(domain: str, language: str = "km") -> tuple[int, int, int]:
    """Bring i18n/thirdparty/<language>/LC_MESSAGES/<domain>.po in line with the upstream catalogs:
    keep every existing translation, add new msgids untranslated, drop msgids no longer upstream. A msgid
    found in several upstream catalogs appears once; its `#. upstream:` comment lists them all."""
    po = THIRDPARTY / language / "LC_MESSAGES" / f"{domain}.po"
    old = read_po(po) if po.exists() else polib.POFile()
    existing = {key(e): e for e in old if not e.obsolete}
    merged: dict[tuple, polib.POEntry] = {}
    for label, up in upstream_entries(domain):
        if key(up) in merged:
            target = merged[key(up)]
            if label not in sources_of(target):
                target.comment = SOURCE_PREFIX + ", ".join([*sources_of(target), label])
            for flag in up.flags:
                if flag not in target.flags and flag != "fuzzy":
                    target.flags.append(flag)
            continue
        entry = polib.POEntry(
            msgid=up.msgid,
            msgctxt=up.msgctxt,
            msgid_plural=up.msgid_plural,
            flags=[f for f in up.flags if f != "fuzzy"],
            comment=SOURCE_PREFIX + label,
        )
        before = existing.get(key(up))
        if before is not None:
            entry.tcomment = before.tcomment
            translation = translations(before)[0]
            if up.msgid_plural:
                entry.msgstr_plural = {0: translation}
            else:
                entry.msgstr = translation
            # the English changed shape (plural added or changed): a translator must look again
            if before.fuzzy or before.msgid_plural != up.msgid_plural:
                entry.flags.append("fuzzy")
        elif up.msgid_plural:
            entry.msgstr_plural = {0: ""}
        merged[key(up)] = entry
    added = sum(1 for k in merged if k not in existing)
    dropped = sum(1 for k in existing if k not in merged)
    catalog = polib.POFile(wrapwidth=0)
    catalog.metadata = {
        **KHMER_HEADER,
        "PO-Revision-Date": old.metadata.get("PO-Revision-Date", time.strftime("%Y-%m-%d %H:%M%z")),
    }
    catalog.extend(merged.values())
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(render_po(catalog), encoding="utf-8")
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
        count = len(polib.pofile(text))
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


def placeholder_problems(entry: polib.POEntry) -> list[str]:
    """A translation that drops, adds or reorders (positional) placeholders of its English: formatting it
    would fail or show the wrong value. The English of a plural entry is its plural msgid."""
    english = placeholders(entry.msgid_plural or entry.msgid)
    return [
        f"placeholders {english} changed to {placeholders(text)} in the translation"
        for text in translations(entry)
        if placeholders(text) != english
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("compile", cmd_compile, "compile every project .po into its .mo (polib)"),
        ("check", cmd_check, "fail if a .mo is stale or a km .po is incomplete or breaks a placeholder"),
        ("stats", cmd_stats, "translated entries per catalog and per upstream source"),
        ("sync", cmd_sync, "refresh i18n/thirdparty/km/*.po from the installed upstream catalogs"),
        ("extract-unfold", cmd_extract_unfold, "regenerate i18n/thirdparty/unfold*.pot (needs xgettext)"),
    ):
        sub.add_parser(name, help=text).set_defaults(func=func)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
