"""What every kind's demo cases share: the clock set to a day for a few calls, and the one-page
PDFs that stand in for scanned documents."""

from __future__ import annotations

from io import BytesIO

from xueji.core import clock
from xueji.core.pdf import Marked, register_cid_font

# Run the services as if today were a given day (the one clock), then restore it.
on = clock.fixed


def scan(label: str, name: str, number: str) -> bytes:
    """A one-page PDF standing in for a scanned document, clearly marked as a demo."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen.canvas import Canvas

    font = register_cid_font()
    shown = Marked()
    buffer = BytesIO()
    # invariant: no creation date or random id in the file, so every seed writes the same bytes.
    pdf = Canvas(buffer, pagesize=A5, invariant=1)
    width, height = A5
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 80, shown(label))
    pdf.setFont(font, 11)
    for i, line in enumerate((f"学生：{name}", f"事项编号：{number}", "演示材料，非真实证件。")):
        pdf.drawString(50, height - 130 - 22 * i, shown(line))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
