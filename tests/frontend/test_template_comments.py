"""Django's `{# … #}` comment ends on its own line: one spread over several lines is not a comment at all, and
its text is shown to every visitor of the page. Longer comments use `{% comment %}`."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
_OPEN_COMMENT = re.compile(r"\{#(?!.*#\})")


def _templates() -> list[Path]:
    skip = {".venv", "node_modules", ".data", "static"}
    return [path for path in ROOT.rglob("*.html") if not skip & set(path.relative_to(ROOT).parts)]


def test_no_template_has_a_short_comment_spread_over_several_lines():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _OPEN_COMMENT.search(line)
    ]
    assert offenders == [], "use {% comment %} for comments of several lines:\n" + "\n".join(offenders)


def test_the_check_finds_a_comment_spread_over_lines():
    assert _OPEN_COMMENT.search("{# starts here")
    assert not _OPEN_COMMENT.search("{# one line #}")
