"""The export request's approval sheet (数据导出审批单, R21.1): what was asked, by whom, for whom,
and the district's written decision, as an A4 page to file with the paper records."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from xueji.core.pdf import FONT, Marked, a4_document, register_cid_font, watermarked
from xueji.exchange import exports
from xueji.exchange.models import ExportRequest


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def approval_sheet(request: ExportRequest, *, printed_by: str, printed_at: str) -> bytes:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    register_cid_font()
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    heading = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)
    shown = Marked()

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(shown(text)), style)

    layout = exports.STUDENT_LAYOUTS[request.layout]
    columns = "、".join(f.header for f in layout.fields(False))
    requester = request.requested_by
    decided = {
        ExportRequest.State.PENDING: "待审批",
        ExportRequest.State.APPROVED: "同意导出",
        ExportRequest.State.REFUSED: "不同意导出",
    }[ExportRequest.State(request.state)]
    rows = [
        ("申请编号", request.number),
        ("申请人", f"{requester.unit_name} {requester.full_name}（{requester.get_role_display()}）"),
        ("申请时间", _when(request.requested_at)),
        ("用途", request.purpose),
        ("接收单位", request.recipient),
        ("导出内容", f"{layout.title}，不脱敏；共 {request.rows} 名学生（申请时）"),
        ("查询条件", request.summary or "全部在籍学生（本人权限范围内）"),
        ("字段", columns),
        ("审批结果", decided),
        ("审批意见", request.opinion or "—"),
        (
            "审批人",
            f"{request.decided_by.unit_name} {request.decided_by.full_name}" if request.decided_by else "—",
        ),
        ("审批时间", _when(request.decided_at)),
    ]
    if request.state == ExportRequest.State.APPROVED:
        rows.append(
            ("下载限制", f"仅申请人可下载，{_when(request.download_until)} 前最多下载若干次，每次记入日志")
        )
    table = Table([[para(k), para(v)] for k, v in rows], colWidths=[28 * mm, 146 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
                ("BACKGROUND", (0, 0), (0, -1), "#EEF3F8"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    buffer = BytesIO()
    doc = a4_document(buffer, title=f"数据导出审批单 {request.number}", author=requester.unit_name)
    story: list[Any] = [
        para("学生个人信息导出审批单", heading),
        para("依据《北关区中小学学籍管理办法（暂行）》第二十一条", small),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 10 * mm),
        para("区教育局（盖章）：                              日期：", cell),
    ]
    if shown.note:
        story += [Spacer(1, 6 * mm), para(shown.note, small)]
    mark = shown(f"{printed_by} 于 {printed_at} 打印")
    stamp = shown(f"导出申请 {request.number} · {printed_by}")
    doc.build(story, onFirstPage=watermarked(mark, stamp), onLaterPages=watermarked(mark, stamp))
    return buffer.getvalue()
