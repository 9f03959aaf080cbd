"""The template language a ministry's licence template may use: Django's built-in tags and filters, minus
what would print text unescaped or make one request render for minutes.

The template is HTML from the database, written by a service administrator, and it prints applicant-supplied
text (names, addresses). So everything printed stays escaped: `{% autoescape off %}` and the `safe`/`safeseq`
filters are refused (otherwise a business name such as `<link rel=attachment …>` would become markup). The
check is made while the template is parsed, by a parser of our own, so it holds wherever a filter appears
(`{{ }}`, `{% if %}`, `{% for %}`, `{% with %}`, `{% filter %}` all compile their expressions through it).

Filters whose argument sizes their output (`ljust`, `rjust`, `center`, `floatformat`, `stringformat`) take
only a number written in the template, at most MAX_WIDTH: `|ljust:"2000000000"` would build a 2 GB string,
and a variable argument could be an applicant's digits. `{% lorem 999999999 w %}` is refused for the same
reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.template import Engine
from django.template.base import FilterExpression, Lexer, Parser, Template
from django.utils.translation import gettext as _

MAX_WIDTH = 200
_SIZED_FILTERS = frozenset({"ljust", "rjust", "center", "floatformat", "stringformat"})
_UNESCAPING_FILTERS = frozenset({"safe", "safeseq"})
_DIGITS = re.compile(r"\d+")


class TemplateRefused(ValueError):
    """A licence template that does not compile or uses what a ministry's template may not."""


def _refused_tags() -> dict[str, Callable[[], str]]:
    # Messages are looked up when raised, in the language of the person saving the template.
    return {
        "autoescape": lambda: _(
            "The template may not use {% autoescape %}: everything a licence template prints is escaped."
        ),
        "lorem": lambda: _("The template may not use {% lorem %}."),
        "debug": lambda: _("The template may not use {% include %}, {% extends %} or {% debug %}."),
        "include": lambda: _("The template may not use {% include %}, {% extends %} or {% debug %}."),
        "extends": lambda: _("The template may not use {% include %}, {% extends %} or {% debug %}."),
    }


def _refusing_tag(message: Callable[[], str]):
    def compile_refused(parser, token):
        raise TemplateRefused(message())

    return compile_refused


def _width_ok(name: str, lookup: bool, value) -> bool:
    """Whether a sized filter's argument is a number written in the template, at most MAX_WIDTH."""
    if lookup:
        literal = getattr(value, "literal", None)  # an unquoted number is a Variable with a literal value
        if literal is None or isinstance(literal, str):
            return False  # a variable: its value could be anything, an applicant's digits included
        value = literal
    text = str(value)
    if name != "stringformat" and not re.fullmatch(r"-?\d{0,6}[gu]{0,2}", text):
        return False
    return all(int(run) <= MAX_WIDTH for run in _DIGITS.findall(text))


class _SandboxParser(Parser):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, message in _refused_tags().items():
            self.tags[name] = _refusing_tag(message)

    def find_filter(self, filter_name: str):
        if filter_name in _UNESCAPING_FILTERS:
            raise TemplateRefused(
                _("The template may not use the “safe” or “safeseq” filter: everything it prints is escaped.")
            )
        return super().find_filter(filter_name)

    def compile_filter(self, token: str) -> FilterExpression:
        expression = super().compile_filter(token)
        for func, args in expression.filters:
            name = getattr(func, "_filter_name", "")
            if name in _SIZED_FILTERS and not all(_width_ok(name, lookup, value) for lookup, value in args):
                message = _(
                    "The filter “%(filter)s” takes only a number written in the template, at most %(limit)s."
                )
                raise TemplateRefused(message % {"filter": name, "limit": MAX_WIDTH})
        return expression


class _SandboxTemplate(Template):
    def compile_nodelist(self):
        tokens = Lexer(self.source).tokenize()
        parser = _SandboxParser(
            tokens, self.engine.template_libraries, self.engine.template_builtins, self.origin
        )
        nodelist = parser.parse()
        self.extra_data = parser.extra_data
        return nodelist


# No loader (include/extends find nothing), no libraries ({% load %} finds nothing), autoescape on.
ENGINE = Engine(
    dirs=[],
    app_dirs=False,
    loaders=[("django.template.loaders.locmem.Loader", {})],
    libraries={},
    autoescape=True,
    debug=False,
    string_if_invalid="",
)


def parse(html: str) -> Template:
    """The compiled template; TemplateRefused for what the sandbox refuses, TemplateSyntaxError otherwise."""
    return _SandboxTemplate(html, engine=ENGINE)


__all__ = ["ENGINE", "MAX_WIDTH", "TemplateRefused", "parse"]
