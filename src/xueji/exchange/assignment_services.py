"""The district's 升学 assignment list (R6.5, R8.1): an Excel list of primary graduates and the
junior-high school each goes to, loaded by a district officer. Every row is checked before anything
is written; one bad row and nothing is written (all or nothing), and the list comes back with the
reasons beside the rows. A clean list enrolls every graduate at once through the status writer's
set-based entry point, in one transaction."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.exchange import reader, workbooks
from xueji.exchange.layouts import XJH_COLUMN, Column, Layout
from xueji.org import selectors as org_selectors
from xueji.org.models import Role, School, User
from xueji.org.permissions import require_role
from xueji.students import progression_services, status
from xueji.students.models import Enrollment, Progression, XjhAlias

ASSIGN = (Role.DISTRICT_OFFICER,)
NAME = Column("name", "姓名", required=True, width=10, hint="与学籍一致，用于核对")
KIND = "continuing"
HELP = (
    "1. 在「学生信息」表第 2 行起每行填写一名尚未升学的小学毕业生；不要修改第 1 行的列标题。",
    "2. 学籍号：学生在小学的学籍号（含曾用学籍号）；姓名：与学籍一致，用于核对。",
    "3. 接收学校：从下拉列表选择本区招收七年级的学校，也可填写学校标识码。",
    "4. 全部导入或全部不导入：只要有一行有错，就不办理任何学生，并返回标明错误的名单；修改后重新上传。",
    "5. 办理后学籍号不变，学籍和档案转入接收学校，小学保留离校时的档案快照（第六条、第八条）。",
    "6. 名单含学生个人信息，请妥善保管，不得外传（第二十一条）。",
)


def receiving_schools(actor: User) -> list[School]:
    """The schools of the officer's scope that take grade 7 (初中, 九年一贯制, 特殊教育)."""
    return [
        s
        for s in org_selectors.school_list(requested_by=actor).order_by("code")
        if s.offers_grade(7) and s.is_active
    ]


def assignment_layout(actor: User) -> Layout:
    schools = {s.code: s.name for s in receiving_schools(actor)}
    target = Column(
        "school", "接收学校", table=schools, required=True, width=28, hint="从下拉列表选择，或填学校标识码"
    )
    return Layout(KIND, "升学分配名单", [XJH_COLUMN, NAME, target], help=HELP)


def assignment_template(*, actor: User) -> bytes:
    require_role(actor, ASSIGN)
    out = io.BytesIO()
    workbooks.write_template(assignment_layout(actor), out)
    return out.getvalue()


@dataclass
class AssignmentResult:
    rows: int
    enrolled: list[Progression] = field(default_factory=list)
    errors: int = 0
    report: bytes = b""  # the list with the reasons beside the bad rows, when nothing was written

    @property
    def refused(self) -> bool:
        return self.errors > 0


def assignments_import(
    *, actor: User, data: bytes, original_name: str, entry_date: dt.date
) -> AssignmentResult:
    """Check every row of the officer's list; if all are right, enroll every graduate at the
    receiving school (升学) in one transaction, else write nothing and return the report."""
    require_role(actor, ASSIGN)
    progression_services.check_entry_date(entry_date)
    layout = assignment_layout(actor)
    rows = reader.read_table(data, layout)
    checked = _check(actor, layout, rows)
    errors = [r for r in checked if r.reasons]
    if errors:
        out = io.BytesIO()
        workbooks.write_report(layout, [r.report() for r in checked], out)
        return AssignmentResult(rows=len(rows), errors=len(errors), report=out.getvalue())
    source = f"区教育局分配名单（{original_name or '名单'}）"
    with transaction.atomic():
        moves = [
            status.Continuing(r.enrollment.student_id, r.school) for r in checked if r.enrollment and r.school
        ]
        made = status.enrollments_continue(actor=actor, moves=moves, entry_date=entry_date, source=source)
        audit_record(
            actor=actor,
            action=actions.CONTINUING_ASSIGN,
            subject=actor,
            changes={"enrolled": [None, len(made)]},
            rules=["R6.5", "R8.1"],
            note=source,
        )
    return AssignmentResult(rows=len(rows), enrolled=made)


@dataclass
class _Row:
    line: int
    cells: dict[str, Any]
    enrollment: Enrollment | None = None
    school: School | None = None
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (column key, message)

    def refuse(self, key: str, message: str) -> None:
        self.reasons.append((key, message))

    def report(self) -> workbooks.ReportRow:
        row = workbooks.ReportRow(
            values=self.cells, line=self.line, result="有错误" if self.reasons else "可导入"
        )
        row.bad_keys = {key for key, _ in self.reasons}
        row.reasons = "\n".join(message for _, message in self.reasons)
        return row


def _check(actor: User, layout: Layout, rows: list[tuple[int, dict[str, Any]]]) -> list[_Row]:
    """Every row against the rules, in a fixed number of queries: the 学籍号 (old ones too), the
    graduates' current enrollments, the receiving schools."""
    checked = [_Row(line, cells) for line, cells in rows]
    numbers = {str(r.cells.get("xjh") or "").strip().upper() for r in checked} - {""}
    owner = dict(XjhAlias.objects.filter(number__in=numbers).values_list("number", "student_id"))
    current = {
        e.student_id: e
        for e in Enrollment.objects.filter(
            student_id__in=set(owner.values()), is_current=True
        ).select_related("student", "school__district")
    }
    scope = {s.pk for s in org_selectors.school_list(requested_by=actor)}
    table = next(c for c in layout.columns if c.key == "school").table or {}
    targets = {s.code: s for s in receiving_schools(actor)}
    by_name = {s.name: s for s in targets.values()}
    seen: dict[int, int] = {}
    for row in checked:
        number = str(row.cells.get("xjh") or "").strip().upper()
        enrollment = current.get(owner.get(number, -1))
        if not number:
            row.refuse("xjh", "R6.5 请填写学籍号。")
        elif enrollment is None:
            row.refuse("xjh", "R6.5 没有这个学籍号的学生，请核对。")
        elif enrollment.school_id not in scope:
            row.refuse("xjh", "R2.2 该学生不在本区学校，不能分配。")
        elif (
            enrollment.status != Enrollment.Status.GRADUATED or enrollment.grade != enrollment.school.grade_to
        ):
            row.refuse(
                "xjh", f"R6.5 该学生学籍状态为“{enrollment.get_status_display()}”，不是尚未升学的小学毕业生。"
            )
        elif enrollment.student_id in seen:
            row.refuse("xjh", f"R6.5 与第 {seen[enrollment.student_id]} 行是同一名学生。")
        else:
            row.enrollment = enrollment
            seen[enrollment.student_id] = row.line
            name = str(row.cells.get("name") or "").strip()
            if name != enrollment.student.name:
                row.refuse("name", f"R6.5 姓名与学籍不一致（学籍为“{enrollment.student.name}”）。")
        wanted = str(row.cells.get("school") or "").strip()
        school = targets.get(wanted) or by_name.get(wanted) or by_name.get(table.get(wanted, ""))
        if school is None:
            row.refuse("school", "R6.5 接收学校须是本区招收七年级的学校，请从下拉列表选择。")
        else:
            row.school = school
    return checked
