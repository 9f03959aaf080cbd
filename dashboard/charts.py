"""Bar charts drawn on the server as SVG geometry (no script, no inline style: the CSP stays strict). The
table beside each chart carries the figures; the chart only shows their proportions (aria-hidden)."""

from __future__ import annotations

from dataclasses import dataclass

ROW_HEIGHT = 34  # a label line above each bar, then the bar
BAR_HEIGHT = 14
WIDTH = 100  # viewBox units; the SVG scales to its box


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    width: str  # a percentage written with a dot whatever the language (an SVG length)
    label_y: int
    bar_y: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(rows: list[tuple[str, float, str]]) -> Chart:
    """rows: (label, value, value as shown). Bars are proportional to the largest value."""
    top = max((value for _label, value, _shown in rows), default=0) or 1
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        y = index * ROW_HEIGHT
        share = max(float(value), 0) / float(top) * 80
        bars.append(Bar(label, shown, f"{max(share, 0.5):.2f}", y + 12, y + 16))
    return Chart(bars=bars, height=max(len(rows), 1) * ROW_HEIGHT)
