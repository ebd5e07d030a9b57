"""A kept archive snapshot on paper and as a hand-over package (R8.1, R21.1): the PDF summary of the
record as it left, and the ZIP a school sends to a receiving school outside this deployment — the
summary, every document, and a manifest with the SHA-256 of each file and of the snapshot.

Pure: the caller checks who may download, logs it and serves the bytes; the files are read from
the evidence store by the names the snapshot's manifest gives."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from xueji.core import evidence
from xueji.core.pdf import FONT, Marked, a4_document, register_cid_font, watermarked
from xueji.students.models import ArchiveSnapshot

README = """学籍档案移交包

本包由{school}于{now}生成，随学生{name}的学籍转出移交{to}（事项编号 {reference}）。
- 学籍档案摘要.pdf：学生离校时的电子学籍档案摘要；
- 材料/：全部佐证材料原件（电子档），文件名前的序号与清单一致；
- 清单.json：每份文件的 SHA-256 校验码，以及离校时电子档案的校验码（snapshot_sha256）。
接收学校可按清单逐一核对文件的 SHA-256。本包含学生个人信息，仅用于学籍移交，不得外传（第二十一条）。
"""


def snapshot_pdf(*, snapshot: ArchiveSnapshot, printed_by: str, printed_at: str) -> bytes:
    """The record as it left the school, every category of the snapshot, ID numbers in full (the
    receiving school registers the student with them)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    register_cid_font()
    marked = Marked()
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle(
        "head", fontName=FONT, fontSize=11, leading=15, spaceBefore=6, spaceAfter=3, keepWithNext=1
    )
    heading = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)

    def para(text: Any, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(marked(str(text) if text not in (None, "") else "—")), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        made = Table([[para(v) for v in row] for row in rows], colWidths=widths, repeatRows=1)
        made.setStyle(
            TableStyle(
                [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            )
        )
        return made

    c = snapshot.content
    buffer = io.BytesIO()
    doc = a4_document(buffer, title="学籍档案摘要", side=15, top=14)
    w = doc.width
    story: list[Any] = [
        para("学籍档案摘要", heading),
        para(
            f"{snapshot.school.name} → {snapshot.destination}　{snapshot.reference}　离校日期 {snapshot.taken_on:%Y-%m-%d}",
            small,
        ),
        para(f"电子档案校验码（SHA-256）：{snapshot.sha256}", small),
        Spacer(1, 4 * mm),
        para("在籍信息", head),
        table([list(r) for r in c.get("enrollment", [])] or [["—", "—"]], [w * 0.3, w * 0.7]),
        para("（一）学生基础信息", head),
        table([list(r) for r in c.get("student", [])] or [["—", "—"]], [w * 0.3, w * 0.7]),
        para("家庭成员或监护人", head),
        table(
            [
                ["成员", "姓名（关系）", "联系电话", "身份证件号"],
                *([*r, "", ""][:4] for r in c.get("family", [])),
            ],
            [w * 0.15, w * 0.35, w * 0.2, w * 0.3],
        ),
    ]
    records = c.get("records", [])
    if records:
        story += [
            para("（三）至（六）综合素质评价、体质健康、获奖、资助", head),
            table(
                [["项目", "学年学期", "内容"], *([r["kind"], r["period"], r["summary"]] for r in records)],
                [w * 0.18, w * 0.25, w * 0.57],
            ),
        ]
    files = c.get("files", [])
    story += [
        para("（二）佐证材料", head),
        table(
            [
                ["序号", "类别", "说明", "文件", "SHA-256"],
                *(
                    [f"{i:02d}", f["category"], f["description"], f["name"], f["sha256"][:16] + "…"]
                    for i, f in enumerate(files, 1)
                ),
            ]
            if files
            else [["无"]],
            [w * 0.08, w * 0.17, w * 0.3, w * 0.25, w * 0.2] if files else [w],
        ),
    ]
    history = c.get("history", [])
    if history:
        story += [
            para("变更记录", head),
            table(
                [
                    ["时间", "操作人", "内容", "原值", "新值"],
                    *([h[0], h[1], f"{h[3]}·{h[2]}·{h[4]}", h[5], h[6]] for h in history),
                ],
                [w * 0.18, w * 0.14, w * 0.28, w * 0.2, w * 0.2],
            ),
        ]
    if marked.note:
        story += [Spacer(1, 4 * mm), para(marked.note)]
    page = watermarked(
        f"{printed_by} 于 {printed_at} 生成；仅用于学籍移交，不得外传（第二十一条）",
        f"{printed_by} {printed_at}",
    )
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def package_zip(*, snapshot: ArchiveSnapshot, printed_by: str, printed_at: str) -> bytes:
    """One ZIP: the summary, every document (read by its stored name), the manifest."""
    files = snapshot.content.get("files", []) if isinstance(snapshot.content, dict) else []
    manifest: dict[str, Any] = {
        "student": snapshot.student.name,
        "xjh": snapshot.student.xjh,
        "from": snapshot.school.name,
        "to": snapshot.destination,
        "reference": snapshot.reference,
        "taken_on": snapshot.taken_on.isoformat(),
        "snapshot_sha256": snapshot.sha256,
        "files": [],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        summary = snapshot_pdf(snapshot=snapshot, printed_by=printed_by, printed_at=printed_at)
        archive.writestr("学籍档案摘要.pdf", summary)
        for i, item in enumerate(files, 1):
            name = f"材料/{i:02d}-{item['category']}-{item['name']}".replace("\\", "_")
            try:
                data = evidence.path_of(str(item.get("storage_name", ""))).read_bytes()
            except (OSError, ValueError):
                manifest["files"].append(
                    {"path": name, "sha256": item["sha256"], "size": item["size"], "missing": True}
                )
                continue
            archive.writestr(name, data)
            manifest["files"].append({"path": name, "sha256": item["sha256"], "size": len(data)})
        archive.writestr("清单.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr(
            "说明.txt",
            README.format(
                school=snapshot.school.name,
                now=printed_at,
                name=snapshot.student.name,
                to=snapshot.destination,
                reference=snapshot.reference or "—",
            ),
        )
    return out.getvalue()
