"""What every printed form shares: the Chinese font (reportlab's CID font STSong-Light, which every
PDF reader carries: no font file, no system fonts needed on a fresh machine)."""

from __future__ import annotations

import functools

FONT = "STSong-Light"


@functools.cache
def register_cid_font() -> str:
    """Register the CID font once per process; returns its name for setFont."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT
