"""Every environment variable the code reads is documented in docs/configuration.md.

The scan covers the project package, the first-party apps, scripts and deploy helpers, so a variable added
later fails this test until it is documented.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DOC = (ROOT / "docs" / "configuration.md").read_text()
SCANNED = [
    "esb",
    "scripts",
    "deploy",
    "accounts",
    "registry",
    "licensing",
    "applications",
    "payments",
    "camdx_client",
    "camdx_api",
    "sandbox",
]
NAME = r"""["']([A-Z][A-Z0-9_]*)["']"""
READS = [
    # django-environ: env.str("X"), env.bool("X"), env.list("X"), env.db("X"), ... and env.get / env["X"]
    re.compile(
        r"\benv\.(?:str|bool|int|float|list|tuple|dict|json|url|db|db_url|cache|cache_url|email|email_url|"
        r"search_url|path|get|setdefault)\(\s*" + NAME
    ),
    re.compile(r"\benv\[\s*" + NAME + r"\s*\]"),
    re.compile(r"\bos\.environ\.(?:get|setdefault|pop)\(\s*" + NAME),
    re.compile(r"\bos\.environ\[\s*" + NAME + r"\s*\]"),
    re.compile(r"\bos\.getenv\(\s*" + NAME),
    re.compile(NAME + r"\s+(?:not\s+)?in\s+os\.environ\b"),
    # private helpers that wrap a read, e.g. settings' _require("SECRET_KEY", ...), _stripped_list(...)
    re.compile(r"\b_[a-z]\w*\(\s*" + NAME),
]


def python_files():
    for folder in SCANNED:
        base = ROOT / folder
        if base.is_dir():
            for path in sorted(base.rglob("*.py")):
                if "migrations" not in path.parts and "__pycache__" not in path.parts:
                    yield path
    yield ROOT / "manage.py"


def variables_read() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        for pattern in READS:
            for name in pattern.findall(text):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_variables_settings_are_known_to_read():
    found = variables_read()
    for name in (
        "ESB_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "ESB_FIELD_ENCRYPTION_KEYS",
        "ESB_EMBEDDED_SERVICES",
    ):
        assert name in found, name


def test_every_variable_read_by_the_code_is_documented():
    undocumented = {
        name: sorted(paths) for name, paths in variables_read().items() if f"`{name}`" not in CONFIG_DOC
    }
    assert not undocumented, f"document these in docs/configuration.md: {undocumented}"
