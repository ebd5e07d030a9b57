"""The student record card (学籍卡) as the school prints it for its paper archive (R7.3): the national
form's base information, the family, every enrollment, the completed status changes and the
evidence on file — one card per student, each starting a page, A4, Chinese.

Pure: it receives the students (with their family, enrollments and evidence fetched) and their
completed cases, writes nothing; the caller checks who may print, logs the print (R21.1) and serves
the bytes. The school's own print needs no export request (R21.1); every page carries who printed
it and when, in the footer and as a watermark across the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from xueji.core.codes import GRADE_NAMES
from xueji.core.identity import mask_id_number, mask_phone, mask_xjh
from xueji.core.pdf import FONT, Marked, a4_document, register_cid_font, watermarked
from xueji.students.display import shown
from xueji.students.forms import SECTIONS

TITLE = "学生学籍卡"


@dataclass(frozen=True)
class CardChange:
    """A completed status change as the card lists it."""

    number: str
    kind: str
    closed_on: str
    platform: str  # the provincial platform's reference, or ""


def _enrollment_rows(student: Any) -> list[list[str]]:
    rows = []
    for e in student.enrollments.all():  # prefetched, oldest first
        rows.append(
            [
                e.school.name,
                f"{GRADE_NAMES.get(e.grade, e.grade)}{'·' + e.school_class.name if e.school_class else ''}",
                f"{e.entry_date:%Y-%m-%d}",
                e.get_origin_display(),
                e.get_status_display() + ("（当前）" if e.is_current else ""),
            ]
        )
    return rows


def record_cards_pdf(
    *,
    students: Sequence[Any],
    changes: Mapping[int, Sequence[CardChange]],
    records: Mapping[int, Sequence[Mapping[str, Any]]],
    full_ids: bool,
    printed_by: str,
    printed_at: str,
) -> bytes:
    """One card per student, in the given order. ``full_ids``: the registrar keeping the archive
    sees the full ID numbers and 学籍号; anyone else prints them masked (R21.1)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

    register_cid_font()
    marked = Marked()  # 生僻字 beyond the font print as 〓, listed in a note (decision 0033)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle(
        "head", fontName=FONT, fontSize=11, leading=15, spaceBefore=6, spaceAfter=3, keepWithNext=1
    )
    heading = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(marked(text or "—")), style)

    grid: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]

    def table(rows: list[list[str]], widths: list[float], header: bool = False) -> Table:
        made = Table(
            [[para(v) for v in row] for row in rows], colWidths=widths, repeatRows=1 if header else 0
        )
        style = list(grid)
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")))
        made.setStyle(TableStyle(style))
        return made

    buffer = BytesIO()
    doc = a4_document(buffer, title=TITLE, side=15, top=14)
    width = doc.width
    story: list[Any] = []
    for index, student in enumerate(students):
        if index:
            story.append(PageBreak())
        current = next((e for e in student.enrollments.all() if e.is_current), None)
        school = current.school.name if current else ""
        number = student.xjh if full_ids else mask_xjh(student.xjh)
        story += [
            para(TITLE, heading),
            para(f"{school}　学籍号 {number}　打印日期 {printed_at[:10]}", small),
            Spacer(1, 4 * mm),
        ]
        for title, names in SECTIONS:
            pairs = []
            for name in names:
                value = getattr(student, name)
                if name == "id_number":
                    text = (value if full_ids else mask_id_number(value)) if value else "（无）"
                else:
                    text = shown(name, value).replace("（空）", "—")
                pairs.append((str(student._meta.get_field(name).verbose_name), text))
            rows = [
                [a, b, *(pairs[i + 1] if i + 1 < len(pairs) else (" ", " "))]
                for i, (a, b) in enumerate(pairs)
                if i % 2 == 0
            ]
            story += [para(title, head), table([list(r) for r in rows], [26 * mm, width / 2 - 26 * mm] * 2)]
        family = [
            [
                m.name,
                m.get_relation_display(),
                "是" if m.is_guardian else "否",
                m.phone if full_ids else mask_phone(m.phone),
                m.employer or "—",
            ]
            for m in sorted(student.family.all(), key=lambda m: m.position)
        ]
        story += [
            para("家庭成员或监护人", head),
            table(
                [["姓名", "关系", "监护人", "联系电话", "工作单位"], *family] if family else [["（未填写）"]],
                [width / 5] * 5 if family else [width],
                header=bool(family),
            ),
            para("在籍经历", head),
            table(
                [["学校", "年级班级", "入学日期", "建籍方式", "学籍状态"], *_enrollment_rows(student)],
                [width * 0.3, width * 0.2, width * 0.15, width * 0.17, width * 0.18],
                header=True,
            ),
        ]
        done = changes.get(student.pk, [])
        story += [
            para("学籍变动（已办结）", head),
            table(
                [
                    ["编号", "事项", "办结日期", "省平台办理"],
                    *([c.number, c.kind, c.closed_on, c.platform or "未登记"] for c in done),
                ]
                if done
                else [["无"]],
                [width * 0.22, width * 0.3, width * 0.2, width * 0.28] if done else [width],
                header=bool(done),
            ),
        ]
        kept = records.get(student.pk, [])
        story += [
            para("综合素质评价、体质健康、获奖、资助（电子档案第三至六类）", head),
            table(
                [
                    ["项目", "学年学期", "内容"],
                    *(
                        [
                            r["kind"],
                            r["period"] or "—",
                            r["summary"] if full_ids or not r["masked"] else "（保密，见电子档案）",
                        ]
                        for r in kept
                    ),
                ]
                if kept
                else [["无"]],
                [width * 0.18, width * 0.25, width * 0.57] if kept else [width],
                header=bool(kept),
            ),
        ]
        evidence = [
            [e.get_category_display(), e.description or e.original_name, f"{e.uploaded_at:%Y-%m-%d}"]
            for e in student.evidence.all()
        ]
        story += [
            para("佐证材料（电子档案第二类）", head),
            table(
                [["类别", "说明", "归档日期"], *evidence] if evidence else [["无"]],
                [width * 0.25, width * 0.55, width * 0.2] if evidence else [width],
                header=bool(evidence),
            ),
        ]
    if not students:
        story.append(para("没有可打印的学生。", small))
    if marked.note:
        story += [Spacer(1, 4 * mm), para(marked.note)]
    stamp = f"{printed_by} {printed_at} 打印"
    page = watermarked(f"{printed_by} 于 {printed_at} 打印；学校学籍档案留存，不得外传（第二十一条）", stamp)
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()
