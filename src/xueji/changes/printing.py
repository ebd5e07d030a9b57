"""A kind's application form (《休学申请表》, 《复学申请表》 …) as the school prints it for the guardian's
signature and the stamps, from the case as it stands: the student, the kind's facts as people read
them, and the blanks to sign. A4 portrait, Chinese (the CID font).

Pure: it receives the case (with its student, enrollment and school fetched), reads nothing else
and writes nothing; the caller checks who may print, logs the print (R21.1) and serves the bytes.
The ID number is printed masked, whoever prints it, and every page carries who printed it and when
(R21.1: the school's own prints are logged and marked).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from xueji.core.identity import mask_id_number
from xueji.core.pdf import FONT, Marked, a4_document, footer, register_cid_font

SIGNATURES = (
    ("监护人意见", "监护人（签字）："),
    ("学校意见", "学校（盖章）："),
    ("区教育局意见", "区教育局（盖章）："),
)


def application_pdf(
    *, title: str, case: Any, enrollment: Any, rows: list[tuple[str, str]], printed_by: str, printed_at: str
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    register_cid_font()
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=14, wordWrap="CJK")
    heading = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)

    shown = Marked()  # 生僻字 beyond the font print as 〓, listed in a note (decision 0033)

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(shown(text or "—")), style)

    student = case.student
    school = enrollment.school
    basics = [
        ("学生姓名", student.name),
        ("性别", student.get_gender_display()),
        ("出生日期", f"{student.birth_date:%Y年%m月%d日}"),
        ("身份证件号", mask_id_number(student.id_number) if student.id_number else "—"),
        ("学校", school.name),
        ("年级班级", enrollment.placement),
    ]
    buffer = BytesIO()
    doc = a4_document(buffer, title=title, author=school.name)
    label_width = 32 * mm
    table = Table(
        [[para(label), para(value)] for label, value in [*basics, *rows]],
        colWidths=[label_width, doc.width - label_width],
    )
    grid: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    table.setStyle(TableStyle(grid))
    signs = Table(
        [[para(label), para(f"{blank}　　　　　　　　年　　月　　日")] for label, blank in SIGNATURES],
        colWidths=[label_width, doc.width - label_width],
        rowHeights=[28 * mm] * len(SIGNATURES),
    )
    signs.setStyle(TableStyle([*grid, ("VALIGN", (1, 0), (1, -1), "BOTTOM")]))
    story = [
        para(title, heading),
        para(f"编号 {case.number}　{school.name}", small),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 4 * mm),
        signs,
    ]
    mark = shown(f"{printed_by} 于 {printed_at} 打印；仅供学籍档案使用，不得外传（第二十一条）")
    if shown.note:
        story += [Spacer(1, 3 * mm), para(shown.note, small)]

    doc.build(story, onFirstPage=footer(mark), onLaterPages=footer(mark))
    return buffer.getvalue()


def letter_pdf(
    *,
    title: str,
    recipient: str,
    paragraphs: list[str],
    sender: str,
    number: str,
    dated: str,
    printed_by: str,
    printed_at: str,
) -> bytes:
    """A written report (R13.2: to the street office, to the district) as an official letter: the
    title, the recipient, the body, the sending school and date with room for its stamp. A4, the
    same CID font; every page says who printed it and when (R21.1)."""
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    register_cid_font()
    body = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=22, wordWrap="CJK", firstLineIndent=24)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    heading = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)
    buffer = BytesIO()
    doc = a4_document(buffer, title=title, author=sender, side=25, top=22, bottom=20)
    shown = Marked()  # 生僻字 beyond the font print as 〓, listed in a note (decision 0033)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(shown(text)), style)

    story: list[Any] = [
        para(title, heading),
        para(f"编号 {number}", small),
        Spacer(1, 8 * mm),
        para(f"{recipient}：", plain),
    ]
    story += [para(text, body) for text in paragraphs]
    story += [
        Spacer(1, 16 * mm),
        para(f"{sender}（盖章）", right),
        para(dated, right),
    ]
    mark = shown(f"{printed_by} 于 {printed_at} 打印；证件号已脱敏（第二十一条）")
    if shown.note:
        story += [Spacer(1, 6 * mm), para(shown.note, small)]

    doc.build(story, onFirstPage=footer(mark), onLaterPages=footer(mark))
    return buffer.getvalue()
