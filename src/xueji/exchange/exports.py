"""Excel exports of student lists and case lists (R21.1).

Rows come only from the scoped selectors, with the list pages' own filters, so a file holds exactly
what its page lists, across all pages, and nothing outside the user's scope. They stream into
xlsxwriter in constant-memory mode, ``CHUNK`` rows at a time with a constant number of queries per
chunk, so 100 000 rows stay in bounded memory.

No cell is ever a formula, a link or a number by accident: the workbook's string conversions are
off and every text cell goes through ``write_string``, so a name typed as ``=HYPERLINK(…)`` stays
text in the file (formula injection). Personal data is masked and the file watermarked with who
took it, unless it is written for a district-approved export request (``export_requests``), and
every export is logged with its filters and row count.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from operator import attrgetter
from typing import IO, Any, NamedTuple
from urllib.parse import quote, urlencode

import xlsxwriter
from django.db import models
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from xueji.audit import actions
from xueji.audit.services import access_record, masked_query
from xueji.changes import selectors as case_selectors
from xueji.changes.kinds.registry import KINDS as CASE_KINDS
from xueji.changes.models import Case
from xueji.core import clock, identity
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import RuleViolation
from xueji.exchange.layouts import STUDENT_COLUMNS, Column
from xueji.org import selectors as org_selectors
from xueji.org.models import School, SchoolClass
from xueji.students import display
from xueji.students.models import Enrollment, FamilyMember, Student
from xueji.students.selectors import enrollment_search

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000  # rows per database round trip: bounded memory, few queries
WORKBOOK_OPTIONS = {
    "constant_memory": True,  # each row goes to disk once written; memory does not grow with rows
    # A cell is only ever what we say it is: text stays text, whatever a registrar typed.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
MAX_ROWS = 1_048_575  # an Excel sheet's rows, less the header
MSG_TOO_MANY_ROWS = (
    "导出的行数超过 Excel 单个工作表的上限（1,048,575 行）。请按学校、年级等条件筛选后分批导出。"
)

TEXT, DATE, DATETIME, NUMBER = "text", "date", "datetime", "number"

Progress = Callable[[int], None]  # told the number of rows written so far


def internal_watermark(user: Any) -> str:
    """R21.1: who took a masked internal export, printed on every page of it."""
    unit = user.unit_name or "本系统"
    return f"{unit} {user.full_name or user.username} 导出于 {clock.today():%Y-%m-%d}，仅供内部使用（已脱敏）"


# --------------------------------------------------------------------------- filters


# The student search page's terms (a page, its export and an export request read the same).
SEARCH_TERMS = ("q", "grade", "school", "class", "status", "gender", "incomplete", "overdue", "unplaced")
GENDERS = {"1": "男", "2": "女"}


@dataclass(frozen=True)
class StudentFilters:
    """The student search page's filters (students.views.search)."""

    q: str = ""
    school: School | None = None
    grade: int | None = None
    school_class: SchoolClass | None = None
    status: str = ""
    gender: str = ""
    incomplete: bool = False
    overdue: bool = False
    unplaced: bool = False

    @classmethod
    def from_params(cls, user: Any, params: Mapping[str, str]) -> StudentFilters:
        """The search page's terms (as posted, or kept under their key) as filters, so a page, its
        export and an export request select the same rows. A malformed value is ignored, and a
        school outside the user's scope is the page's own 404: never a 500."""
        school = None
        if params.get("school") and user.is_district_user:
            school = org_selectors.school_get(requested_by=user, pk=params["school"])
        grade = str(params.get("grade") or "")
        status = str(params.get("status") or "")
        gender = str(params.get("gender") or "")
        return cls(
            q=str(params.get("q") or "")[:50],
            school=school,
            grade=int(grade) if grade.isdecimal() and 1 <= int(grade) <= 9 else None,
            school_class=_class_of(user, school, str(params.get("class") or "")),
            status=status if status in Enrollment.Status.values else "",
            gender=gender if gender in GENDERS else "",
            incomplete=bool(params.get("incomplete")),
            overdue=bool(params.get("overdue")),
            unplaced=bool(params.get("unplaced")),
        )

    def summary(self) -> str:
        # The query is logged masked, like the search page's own log entry (R21.1).
        parts = [f"查询“{masked_query(self.q)}”"] if self.q else []
        if self.school is not None:
            parts.append(self.school.name)
        if self.grade:
            parts.append(GRADE_NAMES.get(self.grade, f"{self.grade} 年级"))
        if self.school_class is not None:
            parts.append(self.school_class.name)
        if self.status:
            parts.append(Enrollment.Status(self.status).label)
        if self.gender:
            parts.append(GENDERS[self.gender])
        for flag, label in (
            (self.incomplete, "仅档案未完整"),
            (self.overdue, "仅逾期未完整"),
            (self.unplaced, "仅未分班"),
        ):
            if flag:
                parts.append(label)
        return "，".join(parts) or "全部"


def _class_of(user: Any, school: School | None, value: str) -> SchoolClass | None:
    """A class of the school the search is in (the registrar's own, or the officer's chosen one);
    anything else is ignored, like any malformed term."""
    home = school if school is not None else (user.school if user.is_school_user else None)
    if home is None or not value.isdecimal() or len(value) > 18:
        return None
    return SchoolClass.objects.filter(pk=int(value), school=home).select_related("school_year").first()


@dataclass(frozen=True)
class CaseFilters:
    """The case list page's filters (changes.views.case_list)."""

    state: str = ""
    overdue: bool = False
    kind: str = ""
    mine: bool = False

    def query(self) -> str:
        """The filters as the list page's query string (its pager and export links)."""
        return urlencode({k: "1" if v is True else v for k, v in asdict(self).items() if v})

    def summary(self) -> str:
        parts = [case_selectors.STATE_FILTERS.get(self.state, self.state)] if self.state else []
        if self.kind:
            kind = CASE_KINDS.get(self.kind)
            parts.append(kind.label if kind is not None else self.kind)
        if self.overdue:
            parts.append("仅逾期环节")
        if self.mine:
            parts.append("仅待我办理")
        return "，".join(parts) or "全部"


# --------------------------------------------------------------------------- the sheet writer


@dataclass(frozen=True)
class Field:
    """One column of an export: its header and how a row gives its cell."""

    header: str
    get: Callable[[Any], Any]  # → str | date | datetime | number | None ("" and None stay blank)
    kind: str = TEXT
    width: int = 12


def write_sheet(
    out: IO[bytes],
    *,
    title: str,
    fields: list[Field],
    rows: Iterable[Any],
    progress: Progress | None = None,
    watermark: str = "",
) -> int:
    """Write one sheet (a header row, then one row per item of ``rows``); returns the row count.

    ``progress`` is told the rows written so far every ``CHUNK`` rows (an export job's page).
    ``watermark`` (R21.1: who exported, under which request) is the printed header and footer of
    every page and the workbook's comments."""
    book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
    sheet = book.add_worksheet(title)
    if watermark:
        shown = watermark.replace("&", "&&")[:200]  # "&" starts a header code
        sheet.set_header(f"&C{shown}")
        sheet.set_footer(f"&L{shown}&R第 &P 页，共 &N 页")
        book.set_properties({"title": title, "comments": watermark})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "vcenter"})
    formats = {
        TEXT: book.add_format({"num_format": "@"}),
        DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        NUMBER: None,
    }
    for col, field in enumerate(fields):
        # Text-formatted columns keep an ID number typed in later as text, not 4.1E+17.
        sheet.set_column(col, col, field.width, formats[TEXT] if field.kind == TEXT else None)
        sheet.write_string(0, col, field.header, header)
    sheet.freeze_panes(1, 0)
    try:
        count = _write_rows(sheet, fields, rows, formats, progress)
        sheet.autofilter(0, 0, max(count, 1), len(fields) - 1)
    finally:
        # In constant-memory mode the rows wait in a temporary file that only close() removes:
        # close on failure too, so no personal data stays behind (the caller discards ``out``).
        book.close()
    return count


def _write_rows(
    sheet: Any, fields: list[Field], rows: Iterable[Any], formats: dict[str, Any], progress: Progress | None
) -> int:
    # The inner loop runs once per cell (millions of times): locals only, no per-cell dispatch.
    text = [(col, f.get) for col, f in enumerate(fields) if f.kind == TEXT]
    other = [(col, f.get, f.kind, formats[f.kind]) for col, f in enumerate(fields) if f.kind != TEXT]
    write_string, write_datetime, write_number = sheet.write_string, sheet.write_datetime, sheet.write_number
    n = 0
    for n, row in enumerate(rows, start=1):
        if n > MAX_ROWS:
            raise RuleViolation(rule="R21.1", code="export_too_large", message=MSG_TOO_MANY_ROWS)
        for col, get in text:
            value = get(row)
            if value:
                write_string(n, col, value)
        for col, get, kind, fmt in other:
            value = get(row)
            if value is None or value == "":
                continue
            if kind == NUMBER:
                write_number(n, col, value)
            else:
                write_datetime(n, col, value, fmt)
        if progress is not None and n % CHUNK == 0:
            progress(n)
    return n


# --------------------------------------------------------------------------- students


class StudentRow(NamedTuple):
    enrollment: Enrollment
    student: Student
    family1: FamilyMember | None
    family2: FamilyMember | None


@dataclass(frozen=True)
class StudentLayout:
    key: str
    title: str  # the sheet's name and the control's label
    filename: str  # Chinese file name stem
    fallback: str  # ASCII file name stem for clients without RFC 5987
    fields: Callable[[bool], list[Field]]
    family: bool  # reads family members 1 and 2 (one extra query per chunk)


def student_rows(rows: QuerySet[Enrollment], *, family: bool) -> Iterator[StudentRow]:
    """The selector's enrollments in chunks, each with its family members 1 and 2 when asked."""
    enrollments = rows.iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(enrollments, CHUNK)):
        members = _family_members(chunk) if family else {}
        for enrollment in chunk:
            key = enrollment.student_id
            yield StudentRow(enrollment, enrollment.student, members.get((key, 1)), members.get((key, 2)))


def _family_members(chunk: list[Enrollment]) -> dict[tuple[int, int], FamilyMember]:
    # One query per chunk, never one per row. Django's prefetch_related would send the same query
    # but spends as long again filling its per-object caches (measured: bench/export_students.py).
    members = FamilyMember.objects.filter(
        student_id__in=[e.student_id for e in chunk], position__in=(1, 2)
    ).order_by()
    return {(m.student_id, m.position): m for m in members}


def _masker(masked: bool, mask: Callable[[str], str]) -> Callable[[str], str]:
    return mask if masked else str


def _list_fields(masked: bool) -> list[Field]:
    """「名单」: the columns of the search page, 学籍号 first; masked as the page masks them."""
    xjh, id_number, phone = (
        _masker(masked, identity.mask_xjh),
        _masker(masked, identity.mask_id_number),
        _masker(masked, identity.mask_phone),
    )
    return [
        Field("学籍号", lambda r: xjh(r.student.xjh), width=22),
        Field("姓名", lambda r: r.student.name, width=10),
        Field("性别", lambda r: r.student.get_gender_display(), width=6),
        Field("出生日期", lambda r: r.student.birth_date, kind=DATE),
        Field("身份证件号", lambda r: id_number(r.student.id_number), width=20),
        Field("学校", lambda r: r.enrollment.school.name, width=24),
        Field("年级班级", lambda r: r.enrollment.placement, width=16),
        Field("学籍状态", lambda r: r.enrollment.get_status_display(), width=8),
        Field("档案完整", lambda r: "是" if r.student.is_complete else "否", width=8),
        Field("联系电话", lambda r: phone(r.student.phone), width=14),
    ]


def _national_fields(masked: bool) -> list[Field]:
    """「国家学籍表」: school, 学籍号, then exactly the national form's columns (layouts)."""
    xjh = _masker(masked, identity.mask_xjh)
    return [
        Field("学校标识码", lambda r: r.enrollment.school.code, width=12),
        Field("学校名称", lambda r: r.enrollment.school.name, width=24),
        Field("学籍号", lambda r: xjh(r.student.xjh), width=22),
        *(_column_field(column, masked) for column in STUDENT_COLUMNS),
    ]


_SOURCES: dict[str, type[models.Model]] = {
    "student": Student,
    "enrollment": Enrollment,
    "family1": FamilyMember,
    "family2": FamilyMember,
}
# R21.1: the personal numbers, the addresses and the e-mail masked in every internal export, on the
# student and on family members; health, disability and aid not given at all (display.SENSITIVE).
_MASKS: dict[str, Callable[[str], str]] = {
    "id_number": identity.mask_id_number,
    "phone": identity.mask_phone,
    **dict.fromkeys(("address", "current_address", "mailing_address", "home_address"), identity.mask_address),
    "email": lambda v: display.contact_masked("email", v),
    **dict.fromkeys(display.SENSITIVE, lambda _v: display.MASKED),
}


def _column_field(column: Column, masked: bool) -> Field:
    if column.key == "class":
        return Field(column.header, _class_name, width=column.width)
    source, name = column.key.split(".", 1)
    model_field = _SOURCES[source]._meta.get_field(name)
    fetch = _fetch(source, name)
    if isinstance(model_field, models.DateField):
        return Field(column.header, fetch, kind=DATE, width=column.width)
    if isinstance(model_field, models.DecimalField):
        return Field(column.header, lambda r: _number(fetch(r)), kind=NUMBER, width=column.width)
    convert = _convert(column, model_field, masked)
    if convert is None:
        return Field(column.header, fetch, width=column.width)
    return Field(column.header, lambda r: convert(fetch(r)), width=column.width)


def _fetch(source: str, name: str) -> Callable[[StudentRow], Any]:
    if source.startswith("family"):
        member = attrgetter(source)
        return lambda r: getattr(m, name) if (m := member(r)) is not None else None
    return attrgetter(f"{source}.{name}")


def _convert(column: Column, model_field: Any, masked: bool) -> Callable[[Any], str] | None:
    """How a stored value becomes its cell text; None when it already is (a plain CharField)."""
    if masked and model_field.name in _MASKS:
        mask = _MASKS[model_field.name]
        return lambda v: mask(v) if v not in (None, "") else ""
    if isinstance(model_field, models.BooleanField):
        return _yes_no
    if column.table:
        table = column.table
        # The national form is filled with names; an unknown code is shown as stored, not lost.
        return lambda v: table.get(str(v), str(v)) if v not in (None, "") else ""
    if isinstance(model_field, models.CharField):
        return None
    return lambda v: "" if v is None else str(v)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _class_name(row: StudentRow) -> str:
    enrollment = row.enrollment
    return enrollment.school_class.name if enrollment.school_class is not None else ""


def _roster_fields(masked: bool) -> list[Field]:
    """「花名册」: a class's list as its teacher uses it, by class and seat (学籍号 masked as the
    search page masks it)."""
    xjh = _masker(masked, identity.mask_xjh)
    return [
        Field("班级", _class_name, width=14),
        Field("班内学号", lambda r: r.enrollment.class_seat_number, width=8),
        Field("姓名", lambda r: r.student.name, width=10),
        Field("性别", lambda r: r.student.get_gender_display(), width=6),
        Field("出生日期", lambda r: r.student.birth_date, kind=DATE),
        Field("民族", lambda r: r.student.get_ethnicity_display(), width=8),
        Field("学籍号", lambda r: xjh(r.student.xjh), width=22),
        Field("就读方式", lambda r: r.enrollment.get_attendance_mode_display(), width=8),
        Field("学籍状态", lambda r: r.enrollment.get_status_display(), width=8),
        Field("备注", lambda r: "", width=16),
    ]


STUDENT_LAYOUTS = {
    "list": StudentLayout("list", "名单", "学生名单", "students", _list_fields, family=False),
    "roster": StudentLayout("roster", "花名册", "学生花名册", "roster", _roster_fields, family=False),
    "national": StudentLayout(
        "national", "国家学籍表", "国家学籍表", "students_national", _national_fields, family=True
    ),
}


def write_students(
    out: IO[bytes],
    rows: QuerySet[Enrollment],
    *,
    layout: StudentLayout,
    masked: bool,
    progress: Progress | None = None,
    watermark: str = "",
) -> int:
    return write_sheet(
        out,
        title=layout.title,
        fields=layout.fields(masked),
        rows=student_rows(rows, family=layout.family),
        progress=progress,
        watermark=watermark,
    )


def student_export_rows(*, requested_by: Any, filters: StudentFilters) -> QuerySet[Enrollment]:
    """The search page's rows for these filters: its selector, plus the page's own 未分班 filter."""
    rows = enrollment_search(
        requested_by=requested_by,
        q=filters.q,
        school=filters.school,
        grade=filters.grade,
        school_class_id=filters.school_class.pk if filters.school_class else None,
        incomplete=filters.incomplete,
        overdue=filters.overdue,
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.gender:
        rows = rows.filter(student__gender=filters.gender)
    if filters.unplaced:
        rows = rows.filter(school_class__isnull=True)
    return rows


def students_export(
    *,
    requested_by: Any,
    filters: StudentFilters,
    layout: str,
    out: IO[bytes],
    progress: Progress | None = None,
    unmasked_for: str = "",
) -> int:
    """Write the students the filters select into ``out`` and log the export (R21.1); returns
    the row count. Masked and watermarked with the requester, unless ``unmasked_for`` names the
    district-approved export request it is written for (its watermark)."""
    chosen = STUDENT_LAYOUTS[layout]
    masked = not unmasked_for
    rows = student_export_rows(requested_by=requested_by, filters=filters)
    watermark = unmasked_for or internal_watermark(requested_by)
    count = write_students(out, rows, layout=chosen, masked=masked, progress=progress, watermark=watermark)
    access_record(
        actor=requested_by,
        action=actions.EXPORT_STUDENTS,
        school=filters.school,
        note=_note(chosen.title, filters.summary(), count, masked),
    )
    return count


# --------------------------------------------------------------------------- cases


def _case_fields(masked: bool) -> list[Field]:
    """The case list page's columns, one per cell; the student's 学籍号 masked like the ID number."""
    xjh = _masker(masked, identity.mask_xjh)
    return [
        Field("编号", attrgetter("number"), width=16),
        Field("类型", _kind_label, width=10),
        Field("学生姓名", case_selectors.student_name, width=10),
        Field("学籍号", lambda c: xjh(c.student.xjh) if c.student_id else "", width=22),
        Field("对方", case_selectors.counterpart, width=24),
        Field("学校", lambda c: c.school.name, width=24),
        Field("当前步骤", _step_label, width=24),
        Field("状态", lambda c: c.get_state_display(), width=10),
        Field("办理时限", lambda c: c.step_due if c.is_open else None, kind=DATE),
        Field("发起时间", lambda c: _local(c.created_at), kind=DATETIME, width=17),
    ]


def _kind_label(case: Case) -> str:
    kind = CASE_KINDS.get(case.kind)
    return kind.label if kind is not None else case.kind


def _step_label(case: Case) -> str:
    step = case_selectors.current_step(case) if case.is_open else None
    return step.label if step is not None else ""


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the wall-clock time in Asia/Shanghai, as the pages show it.
    return timezone.localtime(moment).replace(tzinfo=None) if moment is not None else None


def write_cases(out: IO[bytes], rows: QuerySet[Case], *, masked: bool, watermark: str = "") -> int:
    return write_sheet(
        out,
        title="学籍变动",
        fields=_case_fields(masked),
        rows=rows.iterator(chunk_size=CHUNK),
        watermark=watermark,
    )


def cases_export(*, requested_by: Any, filters: CaseFilters, out: IO[bytes]) -> int:
    """Write the cases the list page's filters select into ``out`` and log it (R21.1): masked,
    watermarked with the requester (an internal list; nothing unmasked leaves without a request)."""
    masked = True
    rows = case_selectors.case_list(requested_by=requested_by, **asdict(filters))
    count = write_cases(out, rows, masked=masked, watermark=internal_watermark(requested_by))
    access_record(
        actor=requested_by,
        action=actions.EXPORT_CASES,
        note=_note("学籍变动", filters.summary(), count, masked),
    )
    return count


# --------------------------------------------------------------------------- the HTTP side


def _note(title: str, summary: str, count: int, masked: bool) -> str:
    return f"{title}；条件：{summary}；{count} 行；{'已脱敏' if masked else '未脱敏'}"


def filename(stem: str, day: dt.date) -> str:
    return f"{stem}_{day:%Y%m%d}.xlsx"


def content_disposition(name: str, fallback: str) -> str:
    """RFC 6266 attachment: an ASCII name for old clients and the Chinese one as RFC 5987 UTF-8."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def xlsx_response(out: IO[bytes], *, name: str, fallback: str) -> FileResponse:
    """Serve a finished workbook file; the response closes (and so deletes) a temporary file."""
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"  # personal data: no copies in shared caches
    return response
