"""The review templates use only CSS classes that exist: unfold ships a compiled Tailwind (a utility it did
not compile does nothing), and what it lacks is in static/review/review.css."""

from __future__ import annotations

import re
from pathlib import Path

import unfold
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "review"
OUR_CSS = Path(settings.BASE_DIR) / "static" / "review" / "review.css"
UNFOLD_CSS = Path(unfold.__file__).parent / "static" / "unfold" / "css" / "styles.css"


def _classes_in(css: str) -> set[str]:
    return {name.replace("\\", "") for name in re.findall(r"\.((?:[A-Za-z0-9_%-]|\\.)+)", css)}


def test_every_class_of_the_review_templates_exists():
    known = _classes_in(UNFOLD_CSS.read_text()) | _classes_in(OUR_CSS.read_text())
    missing = set()
    for template in TEMPLATES.rglob("*.html"):
        for attribute in re.findall(r'class="([^"]*)"', template.read_text()):
            # the names a template tag adds are checked too: {% if … %} rv-x{% endif %} keeps " rv-x"
            plain = re.sub(r"\{[%{].*?[%}]\}", " ", attribute)
            for name in plain.split():
                if name not in known:
                    missing.add(f"{template.name}: {name}")
    assert not missing, "classes that no stylesheet defines:\n" + "\n".join(sorted(missing))


def test_our_stylesheet_is_loaded_in_the_backoffice():
    from esb.unfold_settings import UNFOLD

    assert any("review/review.css" in style(None) for style in UNFOLD["STYLES"])
