"""What every printed form shares: the Chinese font (reportlab's CID font STSong-Light, which every
PDF reader carries: no font file, no system fonts needed on a fresh machine), and what to do with a
character it cannot show (decision 0033).

STSong-Light is Adobe-GB1: it shows GB 18030's characters of the Basic Multilingual Plane (CJK up to
U+9FA5 and Extension A), not the rarer characters of Extensions B and later (生僻字, U+20000 on) nor
the few ideographs Unicode added at the end of the BMP block (U+9FA6–U+9FFF). A name may hold them
(R6.1: the name as the household register writes it), so every printed text goes through
``Marked``: such a character prints as the sign 〓 and the page lists the code points it stands
for, with the reminder that the electronic record is authoritative — never a blank or a wrong glyph.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

FONT = "STSong-Light"
FALLBACK = "〓"  # GB 2312's 1-94 geta mark, the printed forms' sign for a character left out
# Characters the font reaches under another code point: the middle dot of minority names
# (阿依古丽·买买提) and of our own lines is U+00B7 in text, drawn as GB 2312's 1-4 (U+30FB).
_DRAWN_AS = str.maketrans({"\u00b7": "\u30fb"})


def drawable(text: str) -> str:
    """``text`` with each character the font reaches under another code point mapped to it."""
    return text.translate(_DRAWN_AS)


@functools.cache
def register_cid_font() -> str:
    """Register the CID font once per process; returns its name for setFont."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def a4_document(
    buffer: Any, *, title: str, author: str = "", side: float = 18, top: float = 16, bottom: float = 16
) -> Any:
    """The A4 portrait document every printed form is built on (margins in millimetres)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=side * mm,
        rightMargin=side * mm,
        topMargin=top * mm,
        bottomMargin=bottom * mm,
        title=title,
        author=author,
        creator="xueji",
    )


def footer(mark: str) -> Callable[[Any, Any], None]:
    """The line every page of a printed form ends with (who printed it and when, R21.1)."""

    from reportlab.lib.units import mm

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(doc.pagesize[0] / 2, 9 * mm, drawable(mark))
        canvas.restoreState()

    return draw


def watermarked(mark: str, stamp: str) -> Callable[[Any, Any], None]:
    """``footer(mark)`` and, across the page, ``stamp`` (who printed it and when) in light grey,
    diagonal and repeated, so a copy or a photo of any part still says whose print it is (R21.1)."""
    from reportlab.lib.units import mm

    line = footer(mark)

    def draw(canvas: Any, doc: Any) -> None:
        line(canvas, doc)
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont(FONT, 13)
        canvas.setFillGray(0.86)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        for row in range(-5, 6):
            canvas.drawCentredString(0, row * 52 * mm / 2, drawable(stamp))
        canvas.restoreState()

    return draw


def beyond_font(ch: str) -> bool:
    """A character the CID font cannot show."""
    code = ord(ch)
    return code > 0xFFFF or 0x9FA6 <= code <= 0x9FFF


class Marked:
    """The texts of one document: each character beyond the font printed as 〓, remembered for the
    note the document prints (``note``)."""

    def __init__(self) -> None:
        self.met: dict[str, None] = {}  # in the order met

    def __call__(self, text: str) -> str:
        if text.isascii():
            return text
        text = drawable(text)
        out = []
        for ch in text:
            if beyond_font(ch):
                self.met[ch] = None
                out.append(FALLBACK)
            else:
                out.append(ch)
        return "".join(out)

    @property
    def note(self) -> str:
        """ "" or the line that says what each 〓 stands for."""
        if not self.met:
            return ""
        codes = "、".join(f"U+{ord(ch):04X}" for ch in self.met)
        return f"注：“{FALLBACK}”处为本打印件字库不能显示的生僻字（{codes}），以电子学籍档案为准。"
