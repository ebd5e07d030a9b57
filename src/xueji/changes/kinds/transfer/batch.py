"""The 《转学备案汇总表》 (R10.4): the Tuesday filing batch as a printable PDF and as an Excel sheet.

Pure functions: they receive the cases already fetched (``select_related("student", "school",
"other_school")`` and ``prefetch_related("documents")``), read nothing else from the database and
write nothing. The caller chooses the cases and their order, records the export (R21.1) and
serves the bytes. The printed sheet leaves the building, so ID numbers are always masked here,
whoever prints it (R21.1, decision 0005).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from io import BytesIO
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from xueji.changes.kinds.transfer.kind import DOCUMENT_LABELS
from xueji.changes.kinds.transfer.schemas import GROUNDS, NATURES
from xueji.core.codes import GENDER, GRADE_NAMES
from xueji.core.identity import mask_id_number
from xueji.core.pdf import FONT, Marked, register_cid_font

if TYPE_CHECKING:
    from xueji.changes.models import Case

TITLE = "转学备案汇总表"
COLUMNS = (
    "序号",
    "学生姓名",
    "性别",
    "身份证号",
    "原就读学校",
    "转入学校",
    "年级",
    "转学理由",
    "转学性质",
    "佐证材料",
    "编号",
)
EMPTY = "本期无备案"
SIGNATURES = ("经办人：", "审核人：", "日期：")
DATE_BLANK = "年　　月　　日"


def subtitle(district_name: str, filing_day: dt.date) -> str:
    return f"报送单位：{district_name}教育局教育股　备案日期：{filing_day:%Y年%m月%d日}（每周二集中备案）"


# --------------------------------------------------------------------------- rows (shared)


def batch_rows(cases: Iterable[Case]) -> list[tuple[str, ...]]:
    """One row of strings per case, in the caller's order, in the order of ``COLUMNS``."""
    return [_row(index, case) for index, case in enumerate(cases, start=1)]


def _row(index: int, case: Case) -> tuple[str, ...]:
    facts: dict[str, Any] = case.facts or {}
    external: dict[str, Any] = facts.get("external") or {}
    student = case.student
    if student is not None:
        name, gender, id_number = student.name, student.get_gender_display(), student.id_number
    else:  # a record in another province: what the registrar entered from the other side's papers
        name = str(external.get("name", ""))
        gender = GENDER.get(str(external.get("gender", "")), str(external.get("gender", "")))
        id_number = str(external.get("id_number", ""))
    if case.other_school is not None:
        from_school = case.other_school.name
    else:
        province, school = str(external.get("province", "")), str(external.get("school", ""))
        from_school = school if school.startswith(province) else province + school
    grade: Any = facts.get("grade")  # a grade number, or absent
    # Each category once, in upload order: a re-uploaded scan is still one kind of evidence.
    documents = dict.fromkeys(DOCUMENT_LABELS.get(d.category, d.category) for d in case.documents.all())
    return (
        str(index),
        name,
        gender,
        mask_id_number(id_number),
        from_school,
        case.school.name,
        GRADE_NAMES.get(grade, str(grade or "")),
        GROUNDS.get(facts.get("grounds", ""), ""),
        NATURES.get(facts.get("nature", ""), ""),
        "、".join(documents),
        case.number,
    )


# --------------------------------------------------------------------------- PDF (reportlab)

# Points on A4 landscape (842 pt wide, 2 × 28 pt margins); scaled to the frame in _pdf_table.
_CENTERED = {0, 2, 6}  # 序号, 性别, 年级
_PDF_WIDTHS = (26, 56, 26, 92, 100, 92, 42, 100, 64, 120, 70)


def batch_pdf(*, district_name: str, filing_day: dt.date, cases: list[Case]) -> bytes:
    """The filing summary as an A4 landscape PDF: title, table (header repeated on every page),
    signature block and "第 N 页 共 M 页"."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_cid_font()
    # wordWrap CJK breaks between any two characters: Chinese has no spaces to break at.
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11.5, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, alignment=TA_CENTER)
    title = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=TA_CENTER)
    sign = ParagraphStyle("sign", fontName=FONT, fontSize=10.5, leading=14)

    def line(text: str, size: float) -> Table:
        # A plain table cell draws its string as given; a Paragraph would collapse the
        # ideographic spaces that separate the subtitle's parts.
        flowable = Table([[text]], colWidths=[doc.width])
        flowable.setStyle(
            TableStyle([("FONT", (0, 0), (-1, -1), FONT, size), ("ALIGN", (0, 0), (-1, -1), "CENTER")])
        )
        return flowable

    shown = Marked()  # 生僻字 beyond the font print as 〓, listed in a note (decision 0033)

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        # Paragraph reads its text as markup: a name typed as "<b>" or "&" must print as typed.
        return Paragraph(escape(shown(text)), style)

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=TITLE,
        subject=subtitle(district_name, filing_day),
        author=f"{district_name}教育局教育股",
        creator="xueji",
    )
    scale = doc.width / sum(_PDF_WIDTHS)
    rows = batch_rows(cases)
    data: list[list[Any]] = [[para(c, head) for c in COLUMNS]]
    data += [[para(v, head if i in _CENTERED else cell) for i, v in enumerate(row)] for row in rows] or [
        [para(EMPTY, head)] + [""] * (len(COLUMNS) - 1)
    ]
    table = Table(data, colWidths=[w * scale for w in _PDF_WIDTHS], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    # Label, then a ruled blank to sign on; the date's blank carries 年 月 日 at its right.
    blank = (doc.width - 140) / 3
    signatures = Table(
        [[SIGNATURES[0], "", SIGNATURES[1], "", SIGNATURES[2], DATE_BLANK]],
        colWidths=[50, blank, 50, blank, 40, blank],
    )
    signatures.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10.5),
                ("ALIGN", (5, 0), (5, 0), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                *(("LINEBELOW", (col, 0), (col, 0), 0.5, colors.black) for col in (1, 3, 5)),
            ]
        )
    )
    story = [
        para(TITLE, title),
        line(subtitle(district_name, filing_day), 10.5),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 3 * mm),
        # The count and the signatures are one block: a page never ends between them.
        KeepTogether([para(f"本期共 {len(rows)} 件。", sign), Spacer(1, 8 * mm), signatures]),
    ]
    if shown.note:
        story += [Spacer(1, 3 * mm), para(shown.note, sign)]
    footer = shown(f"{district_name}教育局教育股　{TITLE}（{filing_day:%Y年%m月%d日}）")
    doc.build(story, canvasmaker=functools.partial(_numbered_canvas(), footer=footer))
    return buffer.getvalue()


@functools.cache
def _numbered_canvas() -> type:
    """A canvas that holds every page back until the end, so each can say how many there are."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._footer = footer
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # Canvas's, not in the stubs

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width, _height = self._pagesize  # type: ignore[attr-defined]  # Canvas's, not in the stubs
                self.setFont(FONT, 9)
                self.drawString(28, 20, self._footer)
                self.drawRightString(width - 28, 20, f"第 {number} 页 共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas


# --------------------------------------------------------------------------- Excel (xlsxwriter)

_XLSX_WIDTHS = (6, 10, 6, 21, 24, 22, 9, 26, 12, 30, 14)  # in characters; a Chinese one counts 2


def batch_xlsx(*, district_name: str, filing_day: dt.date, cases: list[Case]) -> bytes:
    """The same summary as an .xlsx sheet, ready to print (A4 landscape, one page wide, header
    repeated). Every cell is a string, never a formula: a name typed as "=HYPERLINK(…)" stays text."""
    import xlsxwriter

    buffer = BytesIO()
    # No conversion of any string to a formula, number or link, whatever it starts with.
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties(
        {"title": TITLE, "subject": subtitle(district_name, filing_day), "author": "xueji"}
    )
    sheet = workbook.add_worksheet(TITLE)
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    title_fmt = workbook.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
    sub_fmt = workbook.add_format({**base, "align": "center"})
    head_fmt = workbook.add_format(
        {**base, "bold": True, "align": "center", "border": 1, "bg_color": "#E8E8E8", "text_wrap": True}
    )
    cell_fmt = workbook.add_format({**base, "border": 1, "text_wrap": True})
    plain_fmt = workbook.add_format(base)
    last = len(COLUMNS) - 1

    def merged(row: int, text: str, fmt: Any) -> None:
        # merge_range writes its value with write(), which would read "=…" as a formula: merge
        # blank, then put the text in with write_string.
        sheet.merge_range(row, 0, row, last, "", fmt)
        sheet.write_string(row, 0, text, fmt)

    merged(0, TITLE, title_fmt)
    merged(1, subtitle(district_name, filing_day), sub_fmt)
    sheet.set_row(0, 28)
    for col, (label, width) in enumerate(zip(COLUMNS, _XLSX_WIDTHS, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(2, col, label, head_fmt)
    rows = batch_rows(cases)
    for offset, row in enumerate(rows):
        for col, value in enumerate(row):
            sheet.write_string(3 + offset, col, value, cell_fmt)
    if not rows:
        merged(3, EMPTY, cell_fmt)
    end = 3 + max(len(rows), 1)
    sheet.write_string(end + 1, 0, f"本期共 {len(rows)} 件。", plain_fmt)
    for text, col in zip(SIGNATURES, (1, 4, 8), strict=True):
        sheet.write_string(end + 3, col, text, plain_fmt)
    sheet.write_string(end + 3, 9, DATE_BLANK, plain_fmt)

    sheet.freeze_panes(3, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
    sheet.repeat_rows(2)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页 共 &N 页")
    workbook.close()
    return buffer.getvalue()


__all__ = ["COLUMNS", "batch_pdf", "batch_rows", "batch_xlsx", "subtitle"]
