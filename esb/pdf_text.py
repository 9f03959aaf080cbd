"""Exact text extraction from WeasyPrint PDFs in complex scripts (Khmer): `/ActualText` on every line.

A PDF shows glyphs, not characters. For Khmer, HarfBuzz reorders (a pre-base vowel such as េ is drawn before
its consonant) and splits (a coeng subscript is a glyph of its own) the characters, and WeasyPrint's
ToUnicode CMap can give each glyph only one string for the whole document. So an extractor reading glyphs
returns Khmer reordered and sometimes with the wrong characters. The standard remedy (ISO 32000-1 §14.9.4) is
a marked-content sequence `/Span <</ActualText <FEFF…>>> BDC … EMC` around the glyphs: extractors that honour
it (PDFium, poppler, MuPDF; docs/issuance.md lists what was checked) return its text, the line's logical
characters, instead.

WeasyPrint has no option for it, so `install()` wraps `weasyprint.draw.text.draw_first_line`, the function
that emits one text box's glyphs (one line: WeasyPrint splits boxes per line before drawing), and puts the
box's text around them. The wrapper is a pure function of its arguments and holds no state, so installing it
once, process-wide and idempotently, is safe with concurrent renders in threads; it only adds marked content,
so the page looks the same. tests/esb/test_pdf_text.py fails loudly if a WeasyPrint upgrade moves what this
relies on.
"""

from __future__ import annotations

import functools
import threading

_LOCK = threading.Lock()
_MARK = "_esb_actual_text"


def actual_text(text: str):
    """The marked-content property list `<</ActualText <FEFF…>>>`: UTF-16BE with its byte order mark, as a hex
    string, so any character (and any parenthesis or backslash) is carried exactly."""
    import pydyf

    hex_string = (b"\xfe\xff" + text.encode("utf-16-be")).hex().upper()
    return pydyf.Dictionary({"ActualText": f"<{hex_string}>"})


def _with_actual_text(draw_first_line):
    @functools.wraps(draw_first_line)
    def wrapper(stream, textbox, text_overflow, block_ellipsis, matrix):
        text = textbox.text
        # What draws nothing gets no span; an ellipsis changes the drawn text inside the call, after the
        # span would have to begin, so that (rare, CSS-opted) case keeps WeasyPrint's glyph mapping only.
        if not text.strip() or text_overflow == "ellipsis" or block_ellipsis != "none":
            return draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
        stream.begin_marked_content("Span", actual_text(text))
        try:
            return draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
        finally:
            stream.end_marked_content()

    setattr(wrapper, _MARK, True)
    return wrapper


def installed() -> bool:
    from weasyprint.draw import text as draw_text_module

    return getattr(draw_text_module.draw_first_line, _MARK, False)


def install() -> None:
    """Make every PDF WeasyPrint draws in this process carry `/ActualText` per text line (idempotent)."""
    from weasyprint.draw import text as draw_text_module

    with _LOCK:
        if not installed():
            # draw_text looks draw_first_line up in its module at each call, so replacing the module's
            # attribute reaches every text box (and SVG text, which imports it at call time).
            draw_text_module.draw_first_line = _with_actual_text(draw_text_module.draw_first_line)


__all__ = ["actual_text", "install", "installed"]
