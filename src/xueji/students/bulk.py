"""Bulk registration: many rows through the same rules as one, then one write in batches.

Every row is prepared by the single path's own functions (``registration_prepare`` /
``existing_prepare``: identity, codes, ages, the district's decisions). The checks that read other
records (R6.2 duplicates, R6.4 学籍号, the class) run once for all rows as set queries, with the
single path's messages. Then, unless a row failed and the caller wants all or nothing, the rows are
written in batches inside the caller's one transaction, with history and one audit event per
record, exactly as a registration leaves them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from xueji.audit import actions
from xueji.audit.services import audit_record, audit_record_many
from xueji.core import bulk_insert, clock, identity
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org import selectors as org_selectors
from xueji.org.models import School, SchoolClass
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students import services
from xueji.students.models import Enrollment, FamilyMember, Student, XjhAlias

NEW, EXISTING = "new", "existing"
IMPORTED, PRESENT, INVALID = "imported", "present", "invalid"
CHUNK = 900  # IN-list size: SQLite allows 999 parameters per query by default on old builds

MSG_SAME_FILE = (
    "与第 {line} 行是同一学生（{what}相同）。同一学生只能有一条学籍（第六条）："
    "请删除重复的行，或核对两行的{what}。"
)
MSG_POSSIBLE_ELSEWHERE = (
    "本系统中已有姓名、出生日期、性别都相同的学生，可能是同一人（第六条：不得重复建立学籍）。"
    "请核对：如是同一名学生，请走转学；确认不是同一人的，请在「新生注册」中单独注册并写明理由。"
)
MSG_SAME_ID_OTHER_CHILD = (
    "本校已有该证件号的学生，但姓名或出生日期与本行不同，未导入。"
    "请核对本行的证件号；确属同一学生而信息有误的，请办理信息变更（第九条）。"
)
MSG_CHANGED_MEANWHILE = (
    "导入期间，其中有学生被他人登记或学籍号被占用，本次导入未写入任何记录。请重新导入，系统会标出有问题的行。"
)

Progress = Callable[[str, int, int], None]


@dataclass
class BulkRow:
    """One spreadsheet row, as raw values in the single path's shapes."""

    line: int
    student: dict[str, Any]
    family: list[dict[str, Any]]
    enrollment: dict[str, Any]
    class_ref: Any = None
    xjh: Any = None
    errors: list[RuleViolation] = field(default_factory=list)  # found while reading the cells


@dataclass
class RowOutcome:
    line: int
    status: str = INVALID
    errors: list[RuleViolation] = field(default_factory=list)
    prepared: services.Prepared | None = None
    school_class: SchoolClass | None = None
    student_id: int | None = None
    xjh: str | None = None
    note: str = ""
    incomplete: bool = False


def _prepared(o: RowOutcome) -> services.Prepared:
    """A row that passed validation has its prepared values (for the checker, in expressions)."""
    assert o.prepared is not None
    return o.prepared


@dataclass
class BulkResult:
    outcomes: list[RowOutcome]
    written: bool

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def imported(self) -> int:
        return self.count(IMPORTED)

    @property
    def present(self) -> int:
        return self.count(PRESENT)

    @property
    def invalid(self) -> int:
        return self.count(INVALID)

    @property
    def incomplete(self) -> int:
        """Records written that still lack ★ items of the national form (R5.1)."""
        return sum(1 for o in self.outcomes if o.status == IMPORTED and o.incomplete)


def _violations(exc: RuleViolation) -> list[RuleViolation]:
    return list(exc.violations) if isinstance(exc, RuleViolations) else [exc]


@transaction.atomic
def students_bulk_import(
    *,
    actor: Any,
    school: School,
    kind: str,
    rows: Sequence[BulkRow],
    valid_only: bool = False,
    progress: Progress | None = None,
    source: str = "",
) -> BulkResult:
    """Register (``kind="new"``) or take over (``"existing"``) many students in one transaction.

    All or nothing unless ``valid_only``: with one invalid row nothing is written and every row's
    outcome says why. Rows whose student this school already holds are reported as present and
    skipped, so importing the same file twice creates nothing twice.
    """
    require_role(actor, WRITE_STUDENTS, school=school)
    report = progress or (lambda phase, done, total: None)
    outcomes = _prepare_all(school, kind, rows, report)
    _mark_same_file_duplicates(outcomes)
    _check_against_records(school, kind, outcomes)
    invalid = sum(1 for o in outcomes if o.status == INVALID)
    if invalid and not valid_only:
        return BulkResult(outcomes, written=False)
    ready = [o for o in outcomes if o.status == IMPORTED]
    try:
        with transaction.atomic():  # a savepoint: a lost race rolls back this import only
            _write(actor, school, ready, report, source)
    except IntegrityError as exc:
        raise Conflict(rule="R6.2", code="changed_meanwhile", message=MSG_CHANGED_MEANWHILE) from exc
    audit_record(
        actor=actor,
        action=actions.STUDENTS_BULK_IMPORT,
        subject=school,
        school=school,
        changes={
            "imported": [None, len(ready)],
            "present": [None, sum(1 for o in outcomes if o.status == PRESENT)],
            "invalid": [None, invalid],
        },
        rules=["R2.3", "R6.2", "R6.4"],
        note=f"{'新生注册' if kind == NEW else '导入已有学籍'}：{source}"[:300],
    )
    return BulkResult(outcomes, written=bool(ready))


# --------------------------------------------------------------------------- rules per row


def _prepare_all(school: School, kind: str, rows: Sequence[BulkRow], report: Progress) -> list[RowOutcome]:
    today = clock.today()
    context = services.CachedRuleContext()
    classes = _classes(school, today)
    outcomes: list[RowOutcome] = []
    step = max(1, len(rows) // 100)
    for index, row in enumerate(rows, start=1):
        outcome = RowOutcome(line=row.line, errors=list(row.errors))
        if not outcome.errors:
            try:
                outcome.prepared = _prepare(school, kind, row, today, context)
                outcome.school_class = _resolve_class(
                    classes, row.class_ref, outcome.prepared.placement["grade"]
                )
                outcome.status = IMPORTED
            except RuleViolation as exc:
                outcome.errors = _violations(exc)
        outcomes.append(outcome)
        if index % step == 0:
            report("validate", index, len(rows))
    report("validate", len(rows), len(rows))
    return outcomes


def _prepare(
    school: School, kind: str, row: BulkRow, today: Any, context: services.RuleContext
) -> services.Prepared:
    if kind == EXISTING:
        if row.xjh in (None, ""):
            raise RuleViolation(rule="R6.4", code="required", field="xjh", message="请填写「学籍号」。")
        return services.existing_prepare(
            school=school,
            xjh=str(row.xjh),
            student=row.student,
            family=row.family,
            enrollment=row.enrollment,
            today=today,
        )
    return services.registration_prepare(
        school=school,
        student=row.student,
        family=row.family,
        enrollment=row.enrollment,
        today=today,
        context=context,
    )


def _classes(school: School, today: Any) -> dict[tuple[int, int], SchoolClass]:
    year = org_selectors.current_school_year(today)
    if year is None:
        return {}
    return {(c.grade, c.number): c for c in SchoolClass.objects.filter(school=school, school_year=year)}


_CLASS_NUMBER = re.compile(r"(\d+)\s*[)）]?\s*班?\s*$")


def _resolve_class(classes: dict[tuple[int, int], SchoolClass], ref: Any, grade: int) -> SchoolClass | None:
    """班级 as registrars write it: "一年级（2）班", "2班", "2" or blank (placed later, R10.10)."""
    if ref in (None, ""):
        return None
    text = str(ref).strip()
    match = _CLASS_NUMBER.search(text)
    found = classes.get((grade, int(match.group(1)))) if match else None
    if found is None:
        raise RuleViolation(
            rule="R4.1",
            code="class_mismatch",
            field="school_class",
            message=f"本校本学年{GRADE_NAMES.get(grade, grade)}没有“{text}”。请核对班级，或留空、稍后在学校管理中分班。",
        )
    return found


# --------------------------------------------------------------------------- checks against records


def _fail(outcome: RowOutcome, error: RuleViolation) -> None:
    outcome.status = INVALID
    outcome.errors.append(error)


def _mark_same_file_duplicates(outcomes: list[RowOutcome]) -> None:
    """R6.2 within the file: the second row of one person (or one 学籍号) is refused."""
    seen_id: dict[tuple[str, str], int] = {}
    seen_xjh: dict[str, int] = {}
    for o in outcomes:
        if o.status != IMPORTED or o.prepared is None:
            continue
        values = o.prepared.values
        if values.get("id_number"):
            key = (values["id_type"], values["id_number"])
            if key in seen_id:
                message = MSG_SAME_FILE.format(line=seen_id[key], what="身份证件号")
                _fail(o, Conflict(rule="R6.2", code="duplicate", field="id_number", message=message))
                continue
            seen_id[key] = o.line
        if o.prepared.xjh:
            if o.prepared.xjh in seen_xjh:
                message = MSG_SAME_FILE.format(line=seen_xjh[o.prepared.xjh], what="学籍号")
                _fail(o, Conflict(rule="R6.4", code="duplicate", field="xjh", message=message))
                continue
            seen_xjh[o.prepared.xjh] = o.line


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_against_records(school: School, kind: str, outcomes: list[RowOutcome]) -> None:
    candidates = [o for o in outcomes if o.status == IMPORTED and o.prepared is not None]
    holders = _holders_by_document(candidates)
    z_here = (
        _z_students_here(school) if any(not _prepared(o).values.get("id_number") for o in candidates) else {}
    )
    elsewhere = _id_less_elsewhere(school, candidates)
    for o in candidates:
        assert o.prepared is not None  # candidates have it
        values = o.prepared.values
        if values.get("id_number"):
            holder = holders.get((values["id_type"], values["id_number"]))
        else:  # 证件类型“其他”: the same name, birth date and gender in this school is the same child
            key = (values["name"], values["birth_date"], values["gender"])
            holder = z_here.get(key)
            if holder is None and key in elsewhere:  # R6.2: elsewhere, possibly the same child
                _fail(
                    o,
                    Conflict(
                        rule="R6.2", code="possible_duplicate", field="name", message=MSG_POSSIBLE_ELSEWHERE
                    ),
                )
                continue
        if holder is None:
            continue
        student_id, xjh, school_id, school_name, name, birth_date = holder
        if school_id == school.pk and (name, birth_date) == (values["name"], values["birth_date"]):
            o.status, o.student_id, o.xjh = PRESENT, student_id, xjh
            o.note = "本校已有该学生的学籍，未重复导入。"
        elif school_id == school.pk:
            _fail(
                o,
                Conflict(
                    rule="R6.2",
                    code="same_id_other_child",
                    field="id_number",
                    message=MSG_SAME_ID_OTHER_CHILD,
                ),
            )
        else:
            _fail(
                o,
                services.duplicate_refusal(
                    given_name=values["name"], holder_name=name, former_name="", school_name=school_name
                ),
            )
    _check_numbers(kind, [o for o in candidates if o.status == IMPORTED])


def _holders_by_document(
    outcomes: list[RowOutcome],
) -> dict[tuple[str, str], tuple[int, str, int | None, str, str, dt.date]]:
    """(id_type, id_number) → (student, 学籍号, school holding the record, its name, the student's
    name and birth date)."""
    numbers = sorted(
        {_prepared(o).values["id_number"] for o in outcomes if _prepared(o).values.get("id_number")}
    )
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    for chunk in _chunks(numbers):
        for pk, id_type, id_number, xjh, name, birth in Student.objects.filter(
            id_number__in=chunk
        ).values_list("pk", "id_type", "id_number", "xjh", "name", "birth_date"):
            found[(id_type, id_number)] = (pk, xjh, name, birth)
    schools = _holding_schools([row[0] for row in found.values()])
    return {
        key: (pk, xjh, *schools.get(pk, (None, "")), name, birth)
        for key, (pk, xjh, name, birth) in found.items()
    }


def _holding_schools(student_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The school that holds each record: the current enrollment, else the latest one (as R6.2 says)."""
    holders: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(student_ids):
        rows = (
            Enrollment.objects.filter(student_id__in=chunk)
            .order_by("student_id", "is_current", "created_at")
            .values_list("student_id", "school_id", "school__name")
        )
        for student_id, school_id, name in rows:  # ordered so the current/latest row comes last
            holders[student_id] = (school_id, name)
    return holders


def _id_less_elsewhere(school: School, outcomes: list[RowOutcome]) -> set[tuple[str, Any, str]]:
    """(name, birth date, gender) of the rows without an ID number that a record of another school
    shares (R6.2): one query per chunk of names, whatever the number of rows."""
    keys = {
        (v["name"], v["birth_date"], v["gender"])
        for o in outcomes
        if not (v := _prepared(o).values).get("id_number")
    }
    found: set[tuple[str, Any, str]] = set()
    for chunk in _chunks(sorted({name for name, _, _ in keys})):
        rows = (
            Student.objects.filter(name__in=chunk, birth_date__in={b for _, b, _ in keys})
            .exclude(enrollments__school=school, enrollments__is_current=True)
            .values_list("name", "birth_date", "gender")
        )
        found |= set(rows) & keys
    return found


def _z_students_here(school: School) -> dict[tuple[str, Any, str], tuple[Any, ...]]:
    rows = Student.objects.filter(
        id_type="Z", enrollments__school=school, enrollments__is_current=True
    ).values_list("pk", "xjh", "name", "birth_date", "gender")
    return {
        (name, birth, gender): (pk, xjh, school.pk, school.name, name, birth)
        for pk, xjh, name, birth, gender in rows
    }


def _check_numbers(kind: str, outcomes: list[RowOutcome]) -> None:
    """R6.4: a 学籍号 is assigned once and never reused, old aliases included."""
    wanted: dict[str, RowOutcome] = {}
    for o in outcomes:
        assert o.prepared is not None  # rows that passed validation
        values = o.prepared.values
        number = o.prepared.xjh if kind == EXISTING else None
        if number is None and values["id_type"] == "1":
            number = identity.g_number(values["id_number"])
        if number:
            wanted[number] = o
    taken: set[str] = set()
    numbers = sorted(wanted)
    for chunk in _chunks(numbers):
        taken.update(XjhAlias.objects.filter(number__in=chunk).values_list("number", flat=True))
    # "G" + an ID number belongs to the holder of that ID, even before the holder has the number.
    g_owners = {
        n[1:]: n
        for n in numbers
        if n.startswith("G") and _prepared(wanted[n]).values.get("id_number") != n[1:]
    }
    for chunk in _chunks(sorted(g_owners)):
        for id_number in Student.objects.filter(id_type="1", id_number__in=chunk).values_list(
            "id_number", flat=True
        ):
            taken.add(g_owners[id_number])
    for number in taken:
        _fail(
            wanted[number],
            Conflict(
                rule="R6.4",
                code="xjh_taken",
                field="xjh",
                message=services.MSG_XJH_TAKEN.format(number=number),
            ),
        )


# --------------------------------------------------------------------------- writing


def _write(actor: Any, school: School, ready: list[RowOutcome], report: Progress, source: str) -> None:
    _assign_j_numbers(school, ready)
    # Every row is built before the first insert: on SQLite the first insert takes the database's
    # one write lock until the import commits, so the Python work is kept out of that window.
    built = [_build(school, o) for o in ready]
    batch_size = settings.XUEJI["IMPORT_BATCH_SIZE"]
    total = len(ready)
    report("write", 0, total)
    for start in range(0, total, batch_size):
        end = start + batch_size
        _write_batch(actor, school, ready[start:end], built[start:end], source)
        report("write", min(end, total), total)


def _build(school: School, o: RowOutcome) -> tuple[Student, list[FamilyMember], Enrollment]:
    assert o.prepared is not None and o.xjh is not None  # validated, and numbered by _assign_j_numbers
    values, members, enrollment = services.record_objects(
        o.prepared, school=school, school_class=o.school_class
    )
    return Student(xjh=o.xjh, **values), members, enrollment


def _assign_j_numbers(school: School, ready: list[RowOutcome]) -> None:
    """R6.4: J numbers for students without a resident ID, continuing each day's sequence."""
    by_prefix: dict[str, list[RowOutcome]] = defaultdict(list)
    region = school.district.code
    for o in ready:
        assert o.prepared is not None  # rows that passed validation
        values = o.prepared.values
        if o.prepared.xjh:
            o.xjh = o.prepared.xjh
        elif values["id_type"] == "1":
            o.xjh = identity.g_number(values["id_number"])
        else:
            by_prefix[f"J{region}{values['birth_date']:%Y%m%d}"].append(o)
    for prefix, rows in by_prefix.items():
        used = XjhAlias.objects.filter(number__startswith=prefix).values_list("number", flat=True)
        sequence = max((int(n[15:18]) for n in used), default=0)
        for o in rows:
            sequence += 1
            o.xjh = identity.j_number(
                region_code=region, birth_date=_prepared(o).values["birth_date"], sequence=sequence
            )


def _write_batch(
    actor: Any,
    school: School,
    batch: list[RowOutcome],
    built: list[tuple[Student, list[FamilyMember], Enrollment]],
    source: str,
) -> None:
    students = [student for student, _, _ in built]
    enrollments = [enrollment for _, _, enrollment in built]
    bulk_insert.insert(Student, students)
    members: list[FamilyMember] = []
    for (student, family, enrollment), o in zip(built, batch, strict=True):
        o.student_id, o.incomplete = student.pk, not student.form_complete
        enrollment.student = student
        for member in family:
            member.student = student
            members.append(member)
    bulk_insert.insert(XjhAlias, [XjhAlias(number=s.xjh, student=s) for s in students])
    bulk_insert.insert(FamilyMember, members)
    bulk_insert.insert(Enrollment, enrollments)
    for model, objs in ((Student, students), (FamilyMember, members), (Enrollment, enrollments)):
        bulk_insert.insert_history(model, objs, user=actor)
    note = f"批量导入：{source}"[:100]
    audit_record_many(
        actor=actor,
        school=school,
        events=(
            {
                "subject": student,
                **services.creation_audit(_prepared(o), student, enrollment),
            }
            | {"note": "；".join(filter(None, [note, *_prepared(o).warnings]))}
            for student, enrollment, o in zip(students, enrollments, batch, strict=True)
        ),
    )
