"""The 学生花名册 (class roster) as a printed form: one table per class, in seat order, with the
columns a class teacher and the school office use; 学籍号 masked (a roster goes round the
classroom), who printed it and when on every page (R21.1)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from xueji.core.identity import mask_xjh
from xueji.core.pdf import FONT, Marked, a4_document, register_cid_font, watermarked

COLUMNS = ("序号", "班内学号", "姓名", "性别", "出生日期", "民族", "学籍号", "学籍状态", "备注")


def roster_pdf(
    *, school: str, title: str, enrollments: Sequence[Any], printed_by: str, printed_at: str
) -> bytes:
    """``enrollments`` (with student and class) grouped by class, each class from a new page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

    register_cid_font()
    marked = Marked()  # 生僻字 beyond the font print as 〓, listed in a note (decision 0033)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    heading = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(marked(text or "")), style)

    buffer = BytesIO()
    doc = a4_document(buffer, title=f"{school}{title}学生花名册", side=12, top=14)
    widths = [m * mm for m in (12, 18, 22, 12, 22, 14, 44, 18)]
    widths.append(doc.width - sum(widths))
    story: list[Any] = []
    by_class = groupby(enrollments, key=lambda e: e.placement)
    for index, (placement, rows) in enumerate(by_class):
        students = list(rows)
        if index:
            story.append(PageBreak())
        body = [
            [
                str(n),
                e.class_seat_number or "",
                e.student.name,
                e.student.get_gender_display(),
                f"{e.student.birth_date:%Y-%m-%d}",
                e.student.get_ethnicity_display(),
                mask_xjh(e.student.xjh),
                e.get_status_display(),
                "",
            ]
            for n, e in enumerate(students, start=1)
        ]
        table = Table(
            [[para(c) for c in COLUMNS], *[[para(c) for c in row] for row in body]],
            colWidths=widths,
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                ]
            )
        )
        boys = sum(1 for e in students if e.student.gender == "1")
        story += [
            para(f"{school}　{placement}　学生花名册", heading),
            para(
                f"共 {len(students)} 人（男 {boys}，女 {len(students) - boys}）　打印日期 {printed_at[:10]}",
                small,
            ),
            Spacer(1, 4 * mm),
            table,
        ]
    if not story:
        story.append(para(f"{school}{title}：没有符合条件的学生。", heading))
    if marked.note:
        story += [Spacer(1, 3 * mm), para(marked.note)]
    stamp = f"{printed_by} {printed_at}"
    # The footer is drawn straight onto the page, where the font has no "·": punctuation instead.
    decorate = watermarked(
        f"学生花名册，{printed_by} 打印于 {printed_at}；学生个人信息，严禁外传（第二十一条）", stamp
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
