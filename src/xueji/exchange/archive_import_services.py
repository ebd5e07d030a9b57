"""Archive records of categories (三)–(六) in bulk (R7.2): one template per kind, made from its
declaration (学籍号, 姓名 to check, then the kind's fields, with dropdowns), read back by the import
reader. Every row is checked first; one bad row and nothing is written (all or nothing), and the
workbook comes back with the reasons beside the rows. A clean file is written in one transaction
through the archive services' set-based entry point: a record already on file (the same semester's
result) is updated with its history, never duplicated."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from xueji.archive import services as archive_services
from xueji.archive.kinds import RecordKind
from xueji.exchange import reader, workbooks
from xueji.exchange.layouts import XJH_COLUMN, Column, Layout
from xueji.org.models import Role, School, User
from xueji.org.permissions import require_role
from xueji.students import rules
from xueji.students.models import Enrollment, XjhAlias

WRITE = (Role.REGISTRAR,)
NAME = Column("name", "姓名", required=True, width=10, hint="与学籍一致，用于核对")


def _column(item: Any) -> Column:
    """A declared field as a template column: a list becomes a dropdown of its names."""
    table = {c: c for c in item.choices} if item.choices else None
    hint = item.hint or ("从下拉列表选择" if table else "")
    return Column(
        item.key,
        item.label,
        table=table,
        required=item.required,
        date=item.type == "date",
        width=16,
        hint=hint,
    )


def layout_of(kind: RecordKind) -> Layout:
    help_lines = (
        f"1. 在「学生信息」表第 2 行起每行填写一名本校在籍学生的一条「{kind.label}」记录；不要修改第 1 行的列标题。",
        "2. 学籍号：学生的学籍号（含曾用学籍号）；姓名：与学籍一致，用于核对。",
        "3. 同一学生的同一条记录（如同一学期同一科目）再次导入时更新原记录，原值保留在变更记录中，不会重复。",
        "4. 全部导入或全部不导入：只要有一行有错，就不导入任何记录，并返回标明错误的文件；修改后重新上传。",
        *((f"5. {kind.hint}。",) if kind.hint else ()),
        "名单含学生个人信息，请妥善保管，不得外传（第二十一条）。",
    )
    return Layout(
        f"archive-{kind.key}",
        f"学籍档案-{kind.label}",
        [XJH_COLUMN, NAME, *map(_column, kind.fields)],
        help=help_lines,
    )


def archive_template(*, actor: User, kind: RecordKind) -> bytes:
    require_role(actor, WRITE)
    out = io.BytesIO()
    workbooks.write_template(layout_of(kind), out)
    return out.getvalue()


@dataclass
class ArchiveImportResult:
    rows: int
    added: int = 0
    updated: int = 0
    errors: int = 0
    report: bytes = b""
    first_errors: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.errors > 0


def archive_import(
    *, actor: User, school: School, kind: RecordKind, data: bytes, original_name: str
) -> ArchiveImportResult:
    """Check every row; if all are right, write them at once, else nothing and the report."""
    require_role(actor, WRITE, school=school)
    layout = layout_of(kind)
    table = reader.read_table(data, layout)
    rows, names = _rows(school, table)
    archive_services.entries_check(kind, rows)
    for row in rows:
        expected = names.get(row.line)
        given = str(row.values.get("name") or "").strip()
        if row.student is not None and given != row.student.name:
            row.reasons["name"] = f"姓名与学籍不一致（学籍为“{row.student.name}”）。"
        if expected:
            row.reasons.setdefault("xjh", expected)
    bad = [r for r in rows if r.reasons]
    if bad:
        labels = {c.key: c.header for c in layout.columns}
        out = io.BytesIO()
        report_rows = []
        for row in rows:
            line = workbooks.ReportRow(
                values=row.values, line=row.line, result="有错误" if row.reasons else "可导入"
            )
            line.bad_keys = set(row.reasons)
            line.reasons = "\n".join(f"R7.2 {message}" for message in row.reasons.values())
            report_rows.append(line)
        workbooks.write_report(layout, report_rows, out)
        first = tuple(
            f"第 {r.line} 行「{labels.get(key, key)}」：{message}"
            for r in bad[:10]
            for key, message in r.reasons.items()
        )[:10]
        return ArchiveImportResult(rows=len(rows), errors=len(bad), report=out.getvalue(), first_errors=first)
    with transaction.atomic():
        added, updated = archive_services.entries_import_rows(
            actor=actor,
            school=school,
            kind=kind,
            rows=rows,
            source=f"批量导入（{original_name or '文件'}）"[:100],
        )
    return ArchiveImportResult(rows=len(rows), added=added, updated=updated)


def _rows(
    school: School, table: list[tuple[int, dict[str, Any]]]
) -> tuple[list[archive_services.Row], dict[int, str]]:
    """The rows with their students (current students of the school, found by 学籍号 or an old
    one) in a fixed number of queries; and, by line, why a row has no student."""
    numbers = {str(cells.get("xjh") or "").strip().upper() for _line, cells in table} - {""}
    owner = dict(XjhAlias.objects.filter(number__in=numbers).values_list("number", "student_id"))
    current = {
        e.student_id: e
        for e in Enrollment.objects.filter(
            student_id__in=set(owner.values()), is_current=True
        ).select_related("student")
    }
    rows: list[archive_services.Row] = []
    why: dict[int, str] = {}
    for line, cells in table:
        number = str(cells.get("xjh") or "").strip().upper()
        enrollment = current.get(owner.get(number, -1))
        student = None
        if not number:
            why[line] = "请填写学籍号。"
        elif enrollment is None or enrollment.school_id != school.pk:
            why[line] = "本校没有这个学籍号的在籍学生，请核对。"
        elif enrollment.status in rules.CLOSED_STATUSES:
            why[line] = "该学生学籍已关闭，只读保存，不能录入。"
        else:
            student = enrollment.student
        rows.append(archive_services.Row(line=line, student=student, values=dict(cells)))
    return rows, why
