"""Shared helpers of the translation tests: the catalog tool, upstream catalogs, visible page text."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
EXPECTED_UPSTREAM = {
    "django",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "unfold",
}
# Translations that may equal their English msgid, and why:
IDENTICAL_ALLOWED = {
    (None, "…"): "the ellipsis of the paginator is the same sign in Khmer",
    ("String to return when truncating text", "%(truncated_text)s…"): "only a placeholder and the ellipsis",
    (None, ", "): "Khmer lists use the same comma between items (get_text_list)",
    (None, "IPv4"): "protocol name, written the same in Khmer",
    (None, "IPv6"): "protocol name, written the same in Khmer",
    (None, "%(class_name)s %(instance)s"): "only placeholders",
}


@cache
def messages_tool():
    """scripts/messages.py, imported as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "messages.py"
    spec = importlib.util.spec_from_file_location("esb_messages_tool", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@cache
def upstream(domain: str) -> tuple:
    """(label, entry) of every msgid of the upstream English catalogs, read from the installed packages."""
    return tuple(messages_tool().upstream_entries(domain))


@cache
def thirdparty_entries(domain: str) -> tuple:
    po = ROOT / "i18n" / "thirdparty" / "km" / "LC_MESSAGES" / f"{domain}.po"
    return tuple(e for e in messages_tool().read_po(po) if not e.obsolete)


_WORD = re.compile(r"[A-Za-z][A-Za-z’']{2,}")


def _words(text: str) -> set[str]:
    tool = messages_tool()
    text = tool.HTML_TAG_RE.sub(" ", text)
    text = tool.PLACEHOLDER_RE.sub(" ", text)
    return {w.lower().strip("’'") for w in _WORD.findall(text)}


@cache
def english_vocabulary() -> frozenset[str]:
    """Words (3+ letters) of the English strings of the third-party catalogs, less the ASCII words our
    Khmer translations keep on purpose (URL, JSON, CSRF, LDAP, Django...): on a Khmer page any other such
    word can only come from an untranslated third-party string."""
    english: set[str] = set()
    kept: set[str] = set()
    for domain in ("django", "djangojs"):
        for _label, entry in upstream(domain):
            english |= _words(entry.msgid) | _words(entry.msgid_plural or "")
        for entry in thirdparty_entries(domain):
            for text in messages_tool().translations(entry):
                kept |= _words(text)
    return frozenset(english - kept)


@cache
def thirdparty_msgids() -> frozenset[str]:
    return frozenset(e.msgid for domain in ("django", "djangojs") for _l, e in upstream(domain))


_GETTEXT_FUNCS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
_SKIP_DIRS = {".venv", ".data", ".git", "node_modules", "tests", "static", "i18n", "locale", "bench"}
_TEMPLATE_TAG = re.compile(r"""\{%\s*(?:trans|translate)\s+(?:"([^"]*)"|'([^']*)')""")
_BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}(.*?)\{%\s*(?:endblocktrans|endblocktranslate)", re.S
)
_VARIABLE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _project_files(suffixes: tuple[str, ...]):
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.endswith(suffixes):
                yield Path(dirpath) / name


@cache
def own_strings() -> tuple[str, ...]:
    """The project's own translatable strings (what makemessages collects into locale/): the other
    helpers' job to translate, not this catalog's. Longest first, so that removing them from a text
    removes whole phrases before their parts."""
    found: set[str] = set()
    for path in _project_files((".py",)):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in _GETTEXT_FUNCS:
                found |= {
                    a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                }
    for path in _project_files((".html", ".txt")):
        text = path.read_text(encoding="utf-8")
        found |= {a or b for a, b in _TEMPLATE_TAG.findall(text)}
        for body in _BLOCK_TAG.findall(text):
            found |= {part.strip() for part in _VARIABLE.split(body)}
    # A string that is also a third-party msgid is translated by our catalog: it must not be excused.
    placeholder = messages_tool().PLACEHOLDER_RE
    own: set[str] = set()
    for text in found:
        if text in thirdparty_msgids():
            continue
        parts = [" ".join(p.split()) for p in placeholder.split(text)]
        if len(parts) == 1:
            own.add(parts[0])
            continue
        # A formatted string shows its fixed parts around the values. Tiny parts ("of", "is") and parts
        # that are themselves third-party msgids ("View") would excuse real leftovers: not kept.
        own |= {p for p in parts if len(re.findall(r"[A-Za-z]", p)) >= 4 and p not in thirdparty_msgids()}
    return tuple(sorted((o for o in own if re.search(r"[A-Za-z]", o)), key=len, reverse=True))


class VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes and the placeholder/title/aria-label/alt attributes,
    without scripts, styles, templates, SVG, and icon-font ligatures (`<span class="material-symbols-
    outlined">search</span>` draws a magnifier, it is not the word "search")."""

    HIDDEN = {"script", "style", "template", "svg", "noscript"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
    ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden: list[bool] = []
        self.chunks: list[str] = []

    def _attributes(self, attrs: dict) -> None:
        self.chunks.extend(attrs[k] for k in self.ATTRIBUTES if attrs.get(k))
        if attrs.get("type") in {"submit", "button", "reset"} and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            if not any(self.hidden):
                self._attributes(attrs)
            return
        hidden = tag in self.HIDDEN or "material-symbols" in (attrs.get("class") or "")
        self.hidden.append(hidden)
        if not any(self.hidden):
            self._attributes(attrs)

    def handle_startendtag(self, tag, attrs):
        if not any(self.hidden):
            self._attributes(dict(attrs))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.hidden:
            self.hidden.pop()

    def handle_data(self, data):
        if not any(self.hidden) and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_chunks(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.chunks


def _remove(text: str, phrase: str) -> str:
    if not phrase:
        return text
    variants = {phrase, phrase[:1].upper() + phrase[1:]}
    for variant in variants:
        text = re.sub(rf"(?<![A-Za-z]){re.escape(variant)}(?![A-Za-z])", " ", text)
    return text


def untranslated_english(html: str, data_values: set[str]) -> list[tuple[str, list[str]]]:
    """(chunk, offending words) for every visible chunk that still holds English of the third-party
    catalogs once our own strings and the data values shown on the page are set aside."""
    vocabulary = english_vocabulary()
    offending = []
    excused = sorted({*own_strings(), *(v for v in data_values if v)}, key=len, reverse=True)
    for chunk in visible_chunks(html):
        rest = chunk
        for phrase in excused:
            if phrase in rest or phrase[:1].upper() + phrase[1:] in rest:
                rest = _remove(rest, phrase)
        words = sorted(w for w in _words(rest) if w in vocabulary)
        words += COMMON_ADMIN_WORDS.findall(rest)
        if words:
            offending.append((chunk, words))
    return offending


# The words the acceptance check names explicitly (also covered by the vocabulary, kept for clarity).
COMMON_ADMIN_WORDS = re.compile(
    r"\b(Add|Change|Delete|Save|Search|Filter|Log in|Log out|Welcome|History|Home|Password|Username)\b"
)
