"""The school year's promotion on paper (R14.2): the preview before it runs, the result after — one
A4 page per school with the per-grade table, the totals, and room for the registrar's and the
approver's signatures and the school's stamp; the same CID font and 生僻字 marking as every PDF."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from xueji.core.pdf import FONT, Marked, a4_document, footer, register_cid_font
from xueji.students.selectors import PromotionRow, PromotionStatus

# A Paragraph collapses ideographic spaces: the blanks to write the date on are drawn as lines.
DATE_LINE = "________年____月____日"


def promotion_pdf(
    *, standing: PromotionStatus, rows: list[PromotionRow], printed_by: str, printed_at: str
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    register_cid_font()
    shown = Marked()
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=14, wordWrap="CJK")
    heading = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(shown(text or "—")), style)

    school, promotion = standing.school, standing.promotion
    done = standing.done and promotion is not None
    title = "学年升级结果" if done else "学年升级预览"
    years = f"{standing.year} → {standing.next_year}" if standing.year and standing.next_year else "—"
    buffer = BytesIO()
    doc = a4_document(buffer, title=title, author=school.name)
    story: list[Any] = [para(title, heading), para(f"{school.name}　{years}", small), Spacer(1, 5 * mm)]
    if promotion is not None and standing.done:
        r = promotion.result
        decided = promotion.decided_at
        who = promotion.decided_by.full_name if promotion.decided_by else ""
        lines = [
            ("升级", f"{r.get('moved', 0)} 人"),
            ("毕业", f"{r.get('graduated', 0)} 人"),
            ("留级（已批准）", f"{r.get('repeated', 0)} 人"),
            ("待分班", f"{r.get('unplaced', 0) + r.get('repeated', 0)} 人"),
            ("留在原年级", "、".join(f"{k} {v} 人" for k, v in r.get("staying", {}).items()) or "无"),
            ("已属下一学年", f"{r.get('ahead', 0)} 人（学年结束后入校或已编入下一学年班级，不参加本次升级）"),
            ("确认", f"{who} {decided:%Y年%m月%d日}" if decided else who),
        ]
        table = Table([[para(a), para(b)] for a, b in lines], colWidths=[40 * mm, doc.width - 40 * mm])
    else:
        header = ["年级", "去向", "人数", "不随本次升级（原因）"]
        data: list[list[Any]] = [[para(h) for h in header]]
        data += [
            [
                para(r.label),
                para(r.next_label),
                para(str(r.moving)),
                para("、".join(f"{k} {v}" for k, v in r.staying.items()) or "—"),
            ]
            for r in rows
        ] or [[para("该校没有在籍学生。"), "", "", ""]]
        widths = [26 * mm, 30 * mm, 18 * mm, doc.width - 74 * mm]
        table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (0, -1) if done else (-1, 0), colors.HexColor("#f0f0f0")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    signs = Table(
        [
            [para("学籍管理员（签字）"), para(DATE_LINE)],
            [para("学校审核人（签字）"), para(DATE_LINE)],
            [para("学校（盖章）"), para(DATE_LINE)],
        ],
        colWidths=[40 * mm, doc.width - 40 * mm],
        rowHeights=[22 * mm] * 3,
    )
    signs.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (1, 0), (1, -1), "BOTTOM")])
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        para("第十四条：学年结束后按年级升级；留级须监护人申请、区教育局批准。", small),
    ]
    story += [Spacer(1, 4 * mm), signs]
    mark = shown(f"{printed_by} 于 {printed_at} 打印；仅供学籍档案使用，不得外传（第二十一条）")
    if shown.note:
        story += [Spacer(1, 3 * mm), para(shown.note, small)]

    doc.build(story, onFirstPage=footer(mark), onLaterPages=footer(mark))
    return buffer.getvalue()
