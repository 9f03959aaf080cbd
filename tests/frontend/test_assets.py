"""Every static file the templates and stylesheets point at exists, and the vendored set is documented."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from esb.templatetags import esb_ui

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
VENDOR = ROOT / "static" / "vendor"
OUR_CSS = sorted((ROOT / "static" / "esb" / "css").glob("*.css"))

_STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")
_ICON_TAG = re.compile(r"""{%\s*icon\s+['"]([^'"]+)['"]""")
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_every_static_path_in_templates_exists():
    referenced = {(path, ref) for path in _templates() for ref in _STATIC_TAG.findall(path.read_text())}

    assert referenced, "the templates reference static files"
    missing = [f"{path.relative_to(ROOT)} -> {ref}" for path, ref in referenced if not finders.find(ref)]
    assert not missing


def test_every_icon_used_in_templates_is_vendored():
    names = {name for path in _templates() for name in _ICON_TAG.findall(path.read_text())}

    assert names
    assert not [name for name in names if not (VENDOR / "bootstrap-icons" / "icons" / f"{name}.svg").exists()]


@pytest.mark.parametrize("css", OUR_CSS, ids=lambda p: p.name)
def test_every_url_in_our_stylesheets_exists(css):
    for ref in _CSS_URL.findall(css.read_text()):
        if ref.startswith(("data:", "#")):
            continue
        assert not ref.startswith(("http:", "https:", "//")), f"{css.name} loads {ref} from another host"
        assert (css.parent / ref).resolve().is_file(), f"{css.name}: {ref} does not exist"


def test_vendored_files_carry_no_source_map_reference():
    """ManifestStaticFilesStorage follows sourceMappingURL comments; we do not ship the maps."""
    for path in VENDOR.rglob("*"):
        if path.suffix in {".css", ".js"}:
            assert "sourceMappingURL" not in path.read_text(errors="ignore"), path


def test_every_vendored_package_has_its_licence_and_is_listed():
    readme = (VENDOR / "README.md").read_text()
    packages = [p for p in VENDOR.iterdir() if p.is_dir()]

    assert packages
    for package in packages:
        licences = list(package.rglob("LICENSE*")) + list(package.rglob("OFL*"))
        assert licences, f"{package.name} ships without its licence"
    for name in ("bootstrap@", "htmx.org@", "bootstrap-icons@", "@fontsource/noto-sans-khmer@"):
        assert name in readme


def test_khmer_fonts_are_vendored_for_web_and_pdf():
    fonts = VENDOR / "fonts" / "noto-sans-khmer"
    for weight in (400, 600, 700):
        for subset in ("khmer", "latin"):
            assert (fonts / f"noto-sans-khmer-{subset}-{weight}-normal.woff2").is_file()
    assert (fonts / "ttf" / "NotoSansKhmer-Regular.ttf").is_file()
    assert (fonts / "ttf" / "NotoSansKhmer-Bold.ttf").is_file()


def test_icon_tag_renders_decorative_inline_svg():
    svg = esb_ui.icon("search", "me-1")

    assert svg.startswith("<svg")
    assert 'aria-hidden="true"' in svg and 'focusable="false"' in svg
    assert 'class="bi me-1"' in svg
    assert esb_ui.icon("../../settings") == ""


def test_standalone_error_template_uses_only_existing_assets():
    html = render_to_string("errors/500.html", {"request_id": "x"})

    for ref in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert finders.find(ref.removeprefix(settings.STATIC_URL)), ref
