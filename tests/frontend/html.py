"""A tiny HTML inspector for the front-end tests (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_FOCUSABLE_TAGS = {"button", "select", "textarea", "summary"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children_text: list[str] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in {"meta", "link", "input", "img", "br", "hr", "source"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data


class Page:
    def __init__(self, html: str) -> None:
        collector = _Collector()
        collector.feed(html)
        self.elements = collector.elements

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.elements if e.get("id") == element_id]
        assert len(found) == 1, f"expected one #{element_id}, found {len(found)}"
        return found[0]

    def with_class(self, css_class: str) -> list[Element]:
        return [e for e in self.elements if css_class in e.classes]

    def focusable(self) -> list[Element]:
        """Elements in tab order candidates (document order; no positive tabindex is used)."""
        result = []
        for e in self.elements:
            tabindex = e.get("tabindex")
            if tabindex is not None and tabindex.lstrip("-").isdigit() and int(tabindex) < 0:
                continue
            if "disabled" in e.attrs:
                continue
            if (
                (e.tag == "a" and e.get("href") is not None)
                or e.tag in _FOCUSABLE_TAGS
                or (e.tag == "input" and e.get("type") != "hidden")
                or tabindex is not None
            ):
                result.append(e)
        return result
