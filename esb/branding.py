"""The deploying institution's branding (`settings.ESB_BRANDING`), turned into what templates need.

One place derives everything from the configured primary colour so that every page, the back-office
and the error pages agree: the CSS custom properties served by `/branding.css`, and the oklch scale
that django-unfold expects for its `primary` colour. Colours that would fail WCAG 2.1 AA contrast are
adjusted here rather than trusted, because an institution will paste whatever its style guide says.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from functools import lru_cache

from django.conf import settings
from django.templatetags.static import static

logger = logging.getLogger(__name__)

DEFAULT_PRIMARY = "#0b3d91"
DEFAULT_LOGO = "esb/img/logo.svg"
_HEX_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_WHITE = (255, 255, 255)
_NEAR_BLACK = (17, 24, 39)
_LIGHT_GREY = (241, 243, 245)  # --esb-surface in portal.css

RGB = tuple[int, int, int]


def parse_hex(value: str) -> RGB | None:
    """`#rgb` or `#rrggbb` to an (r, g, b) tuple; None for anything else (including CSS injection)."""
    if not isinstance(value, str) or not _HEX_RE.match(value.strip()):
        return None
    digits = value.strip()[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in rgb))


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2.1 contrast ratio, 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: RGB, b: RGB, weight_of_b: float) -> RGB:
    return tuple(round(x + (y - x) * weight_of_b) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def darken_until(rgb: RGB, against: RGB, minimum: float) -> RGB:
    """The colour, mixed with black in small steps until it reaches `minimum` contrast with `against`."""
    color = rgb
    step = 0
    while contrast_ratio(color, against) < minimum and step < 40:
        step += 1
        color = mix(rgb, (0, 0, 0), step / 40)
    return color


def to_oklch(rgb: RGB) -> tuple[float, float, float]:
    """sRGB to OKLCH (lightness 0..1, chroma, hue in degrees), per Björn Ottosson's OKLab."""
    r, g, b = (_linear(c) for c in rgb)
    lms = (
        0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b,
        0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b,
        0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b,
    )
    l_, m_, s_ = (math.copysign(abs(v) ** (1 / 3), v) for v in lms)
    lightness = 0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_
    a = 1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_
    bb = 0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_
    return lightness, math.hypot(a, bb), math.degrees(math.atan2(bb, a)) % 360


# Lightness of each step of unfold's scale and how much of the brand chroma it keeps: light steps are
# tints, 600-700 carry the brand (unfold puts white text on primary-600, which stays above 4.5:1).
_UNFOLD_STEPS = {
    "50": (0.97, 0.12),
    "100": (0.93, 0.25),
    "200": (0.86, 0.45),
    "300": (0.76, 0.7),
    "400": (0.64, 0.9),
    "500": (0.53, 1.0),
    "600": (0.45, 1.0),
    "700": (0.38, 0.9),
    "800": (0.32, 0.75),
    "900": (0.27, 0.6),
    "950": (0.20, 0.45),
}


def primary_rgb() -> RGB:
    """The configured primary colour, or the neutral default when the setting is not a hex colour."""
    configured = settings.ESB_BRANDING.get("PRIMARY_COLOR", DEFAULT_PRIMARY)
    rgb = parse_hex(configured)
    if rgb is None:
        logger.warning("ESB_PRIMARY_COLOR %r is not a #rrggbb colour; using %s", configured, DEFAULT_PRIMARY)
        rgb = parse_hex(DEFAULT_PRIMARY)
    return rgb  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _palette_for(rgb: RGB) -> dict[str, str]:
    on_primary = _WHITE if contrast_ratio(rgb, _WHITE) >= contrast_ratio(rgb, _NEAR_BLACK) else _NEAR_BLACK
    # Links and outlined buttons sit on white or the light grey of the footer: they need 4.5:1 on both,
    # even when the brand colour is light.
    link = darken_until(rgb, _LIGHT_GREY, 4.5)
    hover = mix(rgb, (0, 0, 0), 0.15) if on_primary == _WHITE else mix(rgb, _WHITE, 0.15)
    return {
        "primary": to_hex(rgb),
        "primary_rgb": ", ".join(str(c) for c in rgb),
        "primary_hover": to_hex(hover),
        "primary_active": to_hex(mix(rgb, (0, 0, 0), 0.25)),
        "on_primary": to_hex(on_primary),
        "link": to_hex(link),
        "link_rgb": ", ".join(str(c) for c in link),
        "link_hover": to_hex(mix(link, (0, 0, 0), 0.25)),
        "primary_subtle": to_hex(mix(rgb, _WHITE, 0.9)),
        "primary_border_subtle": to_hex(mix(rgb, _WHITE, 0.7)),
    }


def palette() -> dict[str, str]:
    """CSS colours derived from the primary colour (all `#rrggbb`, safe to print into CSS)."""
    return dict(_palette_for(primary_rgb()))


def palette_version() -> str:
    """Short hash of the palette, used to bust caches of `/branding.css` when the colour changes."""
    payload = "|".join(f"{k}={v}" for k, v in sorted(palette().items()))
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


def unfold_primary_scale(request=None) -> dict[str, str]:
    """The `COLORS["primary"]` scale for django-unfold, keeping the hue and chroma of the brand colour."""
    _lightness, chroma, hue = to_oklch(primary_rgb())
    chroma = min(chroma, 0.2)  # beyond this, light tints leave the sRGB gamut
    return {
        step: f"oklch({lightness * 100:.0f}% {chroma * share:.3f} {hue:.1f})"
        for step, (lightness, share) in _UNFOLD_STEPS.items()
    }


def logo_url() -> str:
    """URL of the configured logo; the neutral default when the path is not a collected static file
    (the manifest storage of production raises for unknown paths, which would 500 every page)."""
    path = settings.ESB_BRANDING.get("LOGO_STATIC_PATH") or DEFAULT_LOGO
    try:
        return static(path)
    except ValueError:
        logger.warning("ESB_LOGO_STATIC_PATH %r is not a collected static file; using %s", path, DEFAULT_LOGO)
        return static(DEFAULT_LOGO)


def branding_for(language: str | None) -> dict[str, str]:
    """Names and contacts in the given language; needs neither a request nor the database."""
    brand = settings.ESB_BRANDING
    khmer = (language or "").startswith("km")
    return {
        "portal_name": brand["PORTAL_NAME_KM"] if khmer else brand["PORTAL_NAME_EN"],
        "institution_name": brand["INSTITUTION_NAME_KM"] if khmer else brand["INSTITUTION_NAME_EN"],
        "primary_color": palette()["primary"],
        "logo": brand["LOGO_STATIC_PATH"],
        "logo_url": logo_url(),
        "support_email": brand["SUPPORT_EMAIL"],
        "support_phone": brand["SUPPORT_PHONE"],
        # tel: links take digits and a leading + only ("+855 23 000 000" -> "tel:+85523000000")
        "support_phone_uri": "tel:" + re.sub(r"[^0-9+]", "", brand["SUPPORT_PHONE"]),
        "css_version": palette_version(),
    }
