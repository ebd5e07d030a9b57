"""Every read of student records, scoped to the requesting user (R2.2, R4.1).

A student outside the user's scope is the same 404 as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.http import Http404

from xueji.core import bulk_insert, clock, identity
from xueji.core.codes import GRADE_NAMES
from xueji.org.models import Role, School, SchoolClass, SchoolYear
from xueji.org.permissions import READ_STUDENTS
from xueji.students import completeness
from xueji.students.models import (
    ArchiveSnapshot,
    Enrollment,
    EntryApplication,
    Evidence,
    FamilyMember,
    FollowUp,
    PossibleDuplicate,
    Progression,
    Promotion,
    StatusPeriod,
    Student,
)

XJH_QUERY = re.compile(r"^[GLJ][0-9]{17}[0-9X]$")
ID_QUERY = re.compile(r"^[0-9]{6,17}[0-9X]$")
LETTERS = re.compile(r"^[a-z]+$")


def _scope_filter(user: Any, prefix: str = "") -> Q | None:
    """The enrollments a user may read, as a filter on ``prefix``-relative fields; None = nothing."""
    if not user.is_authenticated or not user.has_role(*READ_STUDENTS):
        return None
    if user.is_school_user:
        return Q(**{f"{prefix}school_id": user.school_id})
    return Q(**{f"{prefix}school__district__code__startswith": user.jurisdiction.scope_prefix})


def enrollment_search(
    *,
    requested_by: Any,
    q: str = "",
    school: School | None = None,
    grade: int | None = None,
    school_class_id: int | None = None,
    incomplete: bool = False,
    overdue: bool = False,
) -> QuerySet[Enrollment]:
    """Current enrollments matching a query: name, pinyin initials, ID number or 学籍号 (old ones too)."""
    scope = _scope_filter(requested_by)
    rows = Enrollment.objects.select_related("student", "school", "school_class")
    if scope is None:
        return rows.none()
    rows = rows.filter(scope, is_current=True)
    if school is not None:
        rows = rows.filter(school=school)
    if grade:
        rows = rows.filter(grade=grade)
    if school_class_id:
        rows = rows.filter(school_class_id=school_class_id)
    if incomplete or overdue:
        rows = rows.filter(student__is_complete=False)
    if overdue:
        rows = rows.filter(record_due__lt=clock.today(), status=Enrollment.Status.ENROLLED)
    text = identity.normalize_id_number(q or "")
    if text:
        if XJH_QUERY.match(text):
            rows = rows.filter(student__xjh_aliases__number=text)
        elif ID_QUERY.match(text) and len(text) == 18:
            rows = rows.filter(student__id_number=text)
        elif ID_QUERY.match(text) or text.isdigit():
            rows = rows.filter(student__id_number__startswith=text) if len(text) >= 6 else rows.none()
        elif LETTERS.match(text.lower()):
            rows = rows.filter(student__name_initials__startswith=text.lower())
            return rows.order_by(_IndexOrder(F("student__name_initials")), "student_id")
        else:
            name = (q or "").strip()
            # The exact name is one of its own prefixes. A former name (曾用名) matches only exactly;
            # few students have one, so it joins the condition only when someone has it, and the
            # common case stays a single prefix condition that the name index can walk in order.
            matches = Q(student__name__startswith=name)
            if Student.objects.filter(former_name=name).exists():
                matches |= Q(student__former_name=name)
            return rows.filter(matches).order_by(_IndexOrder(F("student__name")), "student_id")
    return rows.order_by("school__code", "grade", "school_class__number", "student__name_initials", "pk")


def awaiting_class(*, requested_by: Any) -> QuerySet[Enrollment]:
    """待分班: students who arrived by transfer (R10.10) or came back (R12.5) and still need a
    class, for the registrar who places them."""
    if not requested_by.has_role(Role.REGISTRAR):
        return Enrollment.objects.none()
    return enrollment_search(requested_by=requested_by).filter(placement_due=True)


class _IndexOrder(OrderBy):
    """In the order of a ``varchar_pattern_ops`` index on PostgreSQL (bytewise).

    A text search lists its matches by the text (exact name first, then longer names) and then the
    student id, the order of the (text, id) indexes: PostgreSQL then reads the first page straight
    from the index instead of fetching and sorting thousands of matches (3-letter initials over
    2 M students: 107 ms → 0.2 ms in the database). Plain ORDER BY would follow the column's
    collation, which that index cannot serve. SQLite compares text bytewise already.
    """

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.expression)
        operator, direction = ("~>~", "DESC") if self.descending else ("~<~", "ASC")
        if compiler.query.distinct:
            # DISTINCT copies each ORDER BY term, cut before its direction, into the select list,
            # where USING cannot go: order by the collation instead (the same order under the
            # C.UTF-8 collation; only the index walk is lost).
            return f"{sql} {direction}", list(params)
        # USING excludes ASC/DESC, but Django's compiler finds each ORDER BY term's direction by
        # looking for ASC/DESC in its SQL (to drop duplicate terms); the comment gives it one.
        return f"{sql} USING {operator} /* {direction} */", list(params)


def student_get(*, requested_by: Any, pk: Any) -> Student:
    """One student with the current enrollment, or 404 when missing or outside scope.

    Two queries: the current enrollment with its student, school and class in one join (the scope
    is a filter on that row), then the family.
    """
    scope = _scope_filter(requested_by)
    if scope is None:
        raise Http404
    try:
        enrollment = (
            Enrollment.objects.filter(scope, is_current=True, student_id=int(pk))
            .select_related("student", "school__district", "school_class")
            .get()
        )
    except (Enrollment.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
    student = enrollment.student
    student.current = [enrollment]  # type: ignore[attr-defined]
    prefetch_related_objects(
        [student], Prefetch("family", queryset=FamilyMember.objects.order_by("position"))
    )
    return student


def current_enrollment(student: Student) -> Enrollment:
    current = getattr(student, "current", None)
    if current:
        return current[0]
    return student.enrollments.select_related("school__district", "school_class").get(is_current=True)


def evidence_list(*, requested_by: Any, student: Student) -> QuerySet[Evidence]:
    student_get(requested_by=requested_by, pk=student.pk)
    return student.evidence.select_related("uploaded_by")


def evidence_get(*, requested_by: Any, pk: Any) -> Evidence:
    try:
        item = Evidence.objects.select_related("student").get(pk=int(pk))
    except (Evidence.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
    student_get(requested_by=requested_by, pk=item.student_id)  # 404 outside scope
    return item


@dataclass(frozen=True)
class Change:
    at: Any
    user: str
    kind: str
    what: str
    field: str
    old: str
    new: str


def student_history(*, requested_by: Any, student: Student) -> list[Change]:
    """Every change of the record (who, when, old → new), newest first (R2.3)."""
    student_get(requested_by=requested_by, pk=student.pk)
    return histories([student.pk])[student.pk]


def histories(student_ids: list[int]) -> dict[int, list[Change]]:
    """Every change of each record, newest first, in three queries (per chunk of ids) whatever
    their history (an archive snapshot of many students at once, R8.1). Unscoped: the callers are
    ``student_history`` and the hand-over, which have checked scope."""
    found: dict[int, list[Change]] = {pk: [] for pk in student_ids}
    for chunk in bulk_insert.id_chunks(student_ids):
        for what, rows in (
            ("学生信息", Student.history.filter(id__in=chunk)),
            ("家庭成员", FamilyMember.history.filter(student_id__in=chunk)),
            ("在籍信息", Enrollment.history.filter(student_id__in=chunk).select_related("school")),
        ):
            by_student: dict[int, list[Any]] = {}
            loaded = list(rows.select_related("history_user").order_by("history_id"))
            for record in loaded:
                owner = record.id if what == "学生信息" else record.student_id
                by_student.setdefault(owner, []).append(record)
            names = _related_names(loaded)
            for owner, records in by_student.items():
                found[owner].extend(_diff_records(what, records, names))
    for changes in found.values():
        changes.sort(key=lambda c: c.at, reverse=True)
    return found


def _related_names(records: list[Any]) -> dict[tuple[str, Any], str]:
    """What a changed reference reads as (a class's name, a school's name, never its id), one
    query per kind of reference for all the records at once."""
    classes = {r.school_class_id for r in records if getattr(r, "school_class_id", None)}
    schools = {r.school_id for r in records if getattr(r, "school_id", None)}
    names: dict[tuple[str, Any], str] = {}
    for cls in SchoolClass.objects.filter(pk__in=classes).select_related("school_year"):
        names[("school_class", cls.pk)] = (
            f"{cls.name}（{cls.school_year}）" if cls.school_year_id else cls.name
        )
    for pk, name in School.objects.filter(pk__in=schools).values_list("pk", "name"):
        names[("school", pk)] = name
    return names


def _diff_records(what: str, records: list[Any], names: dict[tuple[str, Any], str]) -> Iterator[Change]:
    previous: dict[int, Any] = {}
    for record in records:
        user = getattr(record.history_user, "full_name", "") or getattr(
            record.history_user, "username", "系统"
        )
        prev = previous.get(record.id)
        model = record.instance_type
        if prev is None:
            yield Change(record.history_date, user, "新建", what, "", "", _label_of(record, model))
        elif record.history_type == "-":
            yield Change(record.history_date, user, "删除", what, "", _label_of(prev, model), "")
        else:
            # R5.1's flag follows from the record and its proofs: not a change anyone made.
            delta = record.diff_against(prev, excluded_fields=["is_complete"] if what == "学生信息" else None)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                yield Change(
                    record.history_date,
                    user,
                    "修改",
                    what,
                    str(field.verbose_name),
                    _display(field, change.old, names),
                    _display(field, change.new, names),
                )
        previous[record.id] = record


def _label_of(record: Any, model: Any) -> str:
    if model is Enrollment:
        return f"{record.school.name} {GRADE_NAMES.get(record.grade, record.grade)}"
    return str(getattr(record, "name", ""))


def _display(field: Any, value: Any, names: dict[tuple[str, Any], str]) -> str:
    """A stored value as a person reads it: a code's name, a class's name, 是/否 (never a code or
    an id); an ID number masked."""
    if value in (None, ""):
        return "（空）"
    if field.is_relation:
        return names.get((field.name, value), "（已删除）")
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.name == "id_number":
        return identity.mask_id_number(str(value))
    return str(value)


def student_missing(student: Student, district: Any) -> list[str]:
    """R5.1: what a record (fetched through student_get) still lacks, fields then the proofs
    ``district`` requires; empty = complete."""
    held = Evidence.objects.filter(student=student).values_list("category", flat=True).distinct()
    return completeness.missing(student, student.family.all(), held, district)


def todo_overdue_records(*, requested_by: Any) -> QuerySet[Enrollment]:
    """R5.1: incomplete records past their one-month due date, for the school's and district's lists."""
    return enrollment_search(requested_by=requested_by, overdue=True)


def todo_overdue_by_school(*, requested_by: Any) -> QuerySet[Any]:
    scope = _scope_filter(requested_by)
    if scope is None or requested_by.is_school_user:
        return Enrollment.objects.none().values("school")
    return (
        Enrollment.objects.filter(
            scope,
            is_current=True,
            status=Enrollment.Status.ENROLLED,
            student__is_complete=False,
            record_due__lt=clock.today(),
        )
        .values("school__pk", "school__name", "school__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "school__code")
    )


def entry_applications(*, requested_by: Any, state: str | None = None) -> QuerySet[EntryApplication]:
    user = requested_by
    rows = EntryApplication.objects.select_related("school", "submitted_by", "decided_by")
    if not user.is_authenticated:
        return rows.none()
    if user.role == Role.REGISTRAR:
        rows = rows.filter(school_id=user.school_id)
    elif user.role == Role.DISTRICT_OFFICER:
        rows = rows.filter(school__district__code__startswith=user.jurisdiction.scope_prefix)
    else:
        return rows.none()
    return rows.filter(state=state) if state else rows


def entry_application_get(*, requested_by: Any, pk: Any) -> EntryApplication:
    try:
        return entry_applications(requested_by=requested_by).get(pk=int(pk))
    except (EntryApplication.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class DistrictStatistics:
    """Current enrollments in a user's scope, counted four ways (the district dashboard's figures)."""

    total: int
    by_school: list[dict[str, Any]]  # school_id, name, code, n — largest first
    by_grade: list[dict[str, Any]]  # grade, label, n
    by_gender: list[dict[str, Any]]  # gender, label, n
    by_status: list[dict[str, Any]]  # status, label, n


_STAT_DIMENSIONS = ("school_id", "grade", "gender", "status")


def district_statistics(*, requested_by: Any) -> DistrictStatistics:
    """Counts of the current enrollments the user may read: by school, grade, gender and status.

    Scoped like every read here (_scope_filter): a school user counts their school, a district
    officer their jurisdiction. One GROUP BY over all four dimensions at once — at most
    schools × grades × genders × statuses rows, a few thousand for a district — folded into the
    four lists here: one pass over the enrollments instead of four, on PostgreSQL and SQLite alike
    (cheaper than GROUPING SETS too, which keeps four hash tables per row).
    """
    scope = _scope_filter(requested_by)
    if scope is None:
        return DistrictStatistics(total=0, by_school=[], by_grade=[], by_gender=[], by_status=[])
    groups = (
        Enrollment.objects.filter(scope, is_current=True)
        .values_list(*_STAT_DIMENSIONS)
        .annotate(n=Count("*"))  # not count(id): the covering index answers without the table
        .order_by()
    )
    counts: dict[str, dict[Any, int]] = {dim: {} for dim in _STAT_DIMENSIONS}
    for *key, n in groups:
        for dim, value in zip(_STAT_DIMENSIONS, key, strict=True):
            counts[dim][value] = counts[dim].get(value, 0) + n
    schools = School.objects.in_bulk(list(counts["school_id"]))
    statuses = dict(Enrollment.Status.choices)
    return DistrictStatistics(
        total=sum(counts["status"].values()),
        by_school=sorted(
            (
                {"school_id": pk, "name": schools[pk].name, "code": schools[pk].code, "n": n}
                for pk, n in counts["school_id"].items()
            ),
            key=lambda row: (-row["n"], row["code"]),
        ),
        by_grade=[
            {"grade": g, "label": GRADE_NAMES.get(g, str(g)), "n": n}
            for g, n in sorted(counts["grade"].items())
        ],
        by_gender=[
            {"gender": g, "label": identity.gender_label(g) or "未知", "n": n}
            for g, n in sorted(counts["gender"].items())
        ],
        by_status=[
            {"status": s, "label": statuses.get(s, s), "n": n} for s, n in sorted(counts["status"].items())
        ],
    )


# --------------------------------------------------------------------------- status periods and follow-ups


def status_periods(*, requested_by: Any, student: Student) -> list[StatusPeriod]:
    """The student's periods (休学 from … to …), oldest first, each with its recorded thresholds."""
    student_get(requested_by=requested_by, pk=student.pk)
    return list(
        StatusPeriod.objects.filter(student=student).prefetch_related("events").order_by("starts_on", "pk")
    )


def follow_ups(*, requested_by: Any, student: Student) -> list[FollowUp]:
    student_get(requested_by=requested_by, pk=student.pk)
    return list(FollowUp.objects.filter(student=student).select_related("recorded_by", "evidence"))


# R13.2: a dropped-out student with no effort to bring them back for this many days is listed.
EFFORT_DAYS = 30


def dropouts_without_recent_effort(*, requested_by: Any) -> QuerySet[StatusPeriod]:
    """R13.2: dropped-out students of the user's scope whose last follow-up (劝返: a visit, a call, a
    contact with the household-registration place) is older than EFFORT_DAYS, or who have none."""
    since = clock.today() - dt.timedelta(days=EFFORT_DAYS)
    return running_periods(requested_by=requested_by, status=Enrollment.Status.DROPPED_OUT).filter(
        Q(last_follow_up__isnull=True) | Q(last_follow_up__lt=since)
    )


def running_periods(
    *, requested_by: Any, status: str, ending_within: int | None = None, ended: bool = False
) -> QuerySet[StatusPeriod]:
    """R12.6: running periods of the user's students, computed live: every one of ``status`` (a
    study abroad has no end), or those ending within ``ending_within`` days from today (not yet
    ended), or those already ended (``ended``: 期满未复学). Each carries ``last_follow_up`` (the
    latest urging's date), for the lists."""
    scope = _scope_filter(requested_by, "enrollment__")
    if scope is None:
        return StatusPeriod.objects.none()
    today = clock.today()
    rows = StatusPeriod.objects.filter(
        scope, closed_on__isnull=True, status=status, enrollment__is_current=True
    )
    if ended:
        rows = rows.filter(ends_on__lt=today)
    elif ending_within is not None:
        rows = rows.filter(ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=ending_within))
    latest = FollowUp.objects.filter(student_id=OuterRef("student_id")).order_by("-on").values("on")[:1]
    return (
        rows.select_related("student", "enrollment__school", "enrollment__school_class")
        .annotate(last_follow_up=Subquery(latest))
        .order_by(F("ends_on").asc(nulls_last=True), "starts_on", "pk")
    )


# --------------------------------------------------------------------------- the school year (R14.2)

# Who stays in their grade at the promotion, and why (R14.2); 在读 students move up, and those of
# the school's last grade graduate.
STAYS: dict[str, str] = {
    Enrollment.Status.SUSPENDED: "休学",
    Enrollment.Status.ABROAD: "出国（境）",
    Enrollment.Status.DROPPED_OUT: "辍学",
    Enrollment.Status.MISSING: "下落不明",
}
REPEATS = "留级（已批准）"
# Already in next year: placed in one of its classes, or joined the school after the year's last
# semester ended (a 升学 seventh-grader, a summer arrival) at the grade he starts next year in.
PLACED_AHEAD = "已属下一学年"
PROMOTED = (Enrollment.Status.ENROLLED, *STAYS)  # 毕业, 转出, 死亡 take no part


@dataclass(frozen=True)
class PromotionRow:
    """One grade of a school at the promotion: how many move up (or graduate), and who stays."""

    grade: int
    last: bool  # the school's last grade: its 在读 students graduate
    moving: int
    staying: dict[str, int]

    @property
    def label(self) -> str:
        return GRADE_NAMES.get(self.grade, f"{self.grade}年级")

    @property
    def next_label(self) -> str:
        return "毕业" if self.last else f"升入{GRADE_NAMES.get(self.grade + 1, self.grade + 1)}"

    @property
    def total(self) -> int:
        return self.moving + sum(self.staying.values())


def _stays_because(status: str, repeats: bool, ahead: bool = False) -> str:
    return STAYS.get(status, PLACED_AHEAD if ahead else REPEATS if repeats else "")


def _placed_ahead(year: SchoolYear | None) -> Q:
    """Current enrollments that already belong to the year after ``year`` (none without a year):
    in one of its classes, or entered after ``year``'s last teaching day."""
    if year is None:
        return Q(pk__in=[])
    last_day = (
        SchoolYear.objects.filter(pk=year.pk).annotate(last_day=_last_teaching_day()).values("last_day")
    )
    return Q(school_class__school_year__start_year__gt=year.start_year) | Q(entry_date__gt=Subquery(last_day))


def promotion_movers(school: School, year: SchoolYear) -> QuerySet[Enrollment]:
    """R14.2: the school's 在读 students the promotion from ``year`` moves (or graduates, or keeps in
    the grade for an approved repeat): those in a class of that year or an earlier one, or in none.
    One who already belongs to the next year (placed in one of its classes, or arrived after the
    year ended, as a 升学 seventh-grader) is left alone. The preview and the run read this."""
    return Enrollment.objects.filter(
        Q(school_class__isnull=True) | Q(school_class__school_year__start_year__lte=year.start_year),
        school=school,
        is_current=True,
        status=Enrollment.Status.ENROLLED,
    ).exclude(_placed_ahead(year))


def promotion_preview(
    *, requested_by: Any, school: School, year: SchoolYear | None = None
) -> list[PromotionRow]:
    """R14.2, computed live from the current enrollments: per grade, who would move up (or
    graduate from the school's last grade) and who would stay, with the reason. One GROUP BY."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return []
    groups = (
        Enrollment.objects.filter(scope, school=school, is_current=True, status__in=PROMOTED)
        .annotate(
            ahead=Case(When(_placed_ahead(year), then=True), default=False, output_field=BooleanField())
        )
        .values("grade", "status", "repeats", "ahead")
        .annotate(n=Count("pk"))
    )
    moving: dict[int, int] = {}
    staying: dict[int, dict[str, int]] = {}
    for row in groups:
        grade, reason = row["grade"], _stays_because(row["status"], row["repeats"], row["ahead"])
        if reason:
            staying.setdefault(grade, {})
            staying[grade][reason] = staying[grade].get(reason, 0) + row["n"]
        else:
            moving[grade] = moving.get(grade, 0) + row["n"]
    return [
        PromotionRow(grade, grade == school.grade_to, moving.get(grade, 0), staying.get(grade, {}))
        for grade in sorted(set(moving) | set(staying))
    ]


def promotion_staying(
    *, requested_by: Any, school: School, year: SchoolYear | None = None, limit: int = 500
) -> list[tuple[Enrollment, str]]:
    """The students who would stay in their grade, each with the reason (R14.2), by grade."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return []
    rows = (
        Enrollment.objects.filter(scope, school=school, is_current=True, status__in=PROMOTED)
        .filter(Q(status__in=list(STAYS)) | Q(repeats=True) | _placed_ahead(year))
        .annotate(
            ahead=Case(When(_placed_ahead(year), then=True), default=False, output_field=BooleanField())
        )
        .select_related("student", "school_class")
        .order_by("grade", "school_class__number", "student__name", "pk")[:limit]
    )
    return [(e, _stays_because(e.status, e.repeats, e.ahead)) for e in rows]


def _last_teaching_day() -> Any:
    """A school year's last teaching day: its last semester's end, or the year's end without one."""
    return Coalesce(Max("semesters__end"), F("end"))


def promotion_school_year(today: dt.date | None = None) -> SchoolYear | None:
    """R14.2: the school year a promotion now moves students out of — the latest one whose last
    semester has ended."""
    today = today or clock.today()
    return (
        SchoolYear.objects.annotate(last_day=_last_teaching_day())
        .filter(last_day__lt=today)
        .order_by("-start_year")
        .first()
    )


@dataclass(frozen=True)
class PromotionStatus:
    """Where a school stands with the promotion out of ``year`` (R14.2)."""

    school: School
    year: SchoolYear | None  # the school year that ended (None: none has ended yet)
    next_year: SchoolYear | None  # the year the students move into (None: not set up yet)
    promotion: Promotion | None  # submitted or done for ``year``
    in_year: int  # 在读 students in classes of ``year``: there is something to promote
    next_classes: int  # classes of ``next_year`` the school already has

    @property
    def done(self) -> bool:
        return self.promotion is not None and self.promotion.state == Promotion.State.DONE

    @property
    def submitted(self) -> bool:
        return self.promotion is not None and self.promotion.state == Promotion.State.SUBMITTED

    @property
    def label(self) -> str:
        """What the district's list and the school's page say of it."""
        if self.year is None:
            return "学年尚未结束"
        if self.promotion is not None:
            return self.promotion.get_state_display()
        if not self.in_year:
            return "无需升级（学生已在新学年班级）"
        if self.next_year is None:
            return "待区教育局设置新学年"
        return "待升级"

    @property
    def refusal(self) -> str:
        """Why the registrar cannot submit now, or "" when the registrar can."""
        if self.year is None:
            return "本学年尚未结束。学年最后一个学期结束后才能执行升级（第十四条）。"
        if self.done:
            return f"本校{self.year}升级已完成，不能重复执行。"
        if self.submitted:
            return f"本校{self.year}升级已提交，正等待学校审核人确认。"
        if not self.in_year:
            return f"本校没有在{self.year}班级中的在读学生，无需执行{self.year}升级。"
        if self.next_year is None:
            return f"区教育局尚未设置{self.year.start_year + 1}—{self.year.start_year + 2}学年，请联系区系统管理员。"
        return ""


def promotion_statuses(*, requested_by: Any, schools: list[School]) -> list[PromotionStatus]:
    """R14.2: each school's standing with the promotion out of the latest ended school year — for
    the school's page and for the district's list of which schools have promoted. Four queries
    whatever the number of schools."""
    scope = _scope_filter(requested_by)
    if scope is None or not schools:
        return []
    year = promotion_school_year()
    if year is None:
        return [PromotionStatus(s, None, None, None, 0, 0) for s in schools]
    next_year = SchoolYear.objects.filter(start_year=year.start_year + 1).first()
    ids = [s.pk for s in schools]
    promotions = {
        p.school_id: p
        for p in Promotion.objects.filter(
            school_id__in=ids, school_year=year, state__in=[Promotion.State.SUBMITTED, Promotion.State.DONE]
        ).select_related("submitted_by", "decided_by")
    }
    in_year = dict(
        Enrollment.objects.filter(
            scope,
            school_id__in=ids,
            is_current=True,
            status=Enrollment.Status.ENROLLED,
            school_class__school_year=year,
        )
        .values_list("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    next_classes: dict[int, int] = {}
    if next_year is not None:
        next_classes = dict(
            SchoolClass.objects.filter(school_id__in=ids, school_year=next_year)
            .values_list("school_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    return [
        PromotionStatus(
            s, year, next_year, promotions.get(s.pk), in_year.get(s.pk, 0), next_classes.get(s.pk, 0)
        )
        for s in schools
    ]


def promotion_history(*, requested_by: Any, school: School) -> QuerySet[Promotion]:
    """Every promotion the school submitted, returned or ran, newest first."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return Promotion.objects.none()
    if requested_by.is_school_user and requested_by.school_id != school.pk:
        return Promotion.objects.none()
    return Promotion.objects.filter(school=school).select_related("school_year", "submitted_by", "decided_by")


# --------------------------------------------------------------------------- 升学 (R6.5, R8.1)


def graduates_pending(*, requested_by: Any, school: School) -> QuerySet[Enrollment]:
    """The school's graduates not yet enrolled elsewhere (毕业, still held here), by class."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(scope, school=school, is_current=True, status=Enrollment.Status.GRADUATED)
        .select_related("student", "school_class")
        .order_by("school_class__number", "student__name", "pk")
    )


def graduate_find(*, requested_by: Any, q: str) -> Enrollment | None:
    """R6.5: a junior-high school's registrar finds a primary graduate of any school of the
    deployment to enroll — by the exact 学籍号 (old ones too) or ID number only, never by browsing
    another school's names. Only a graduate not yet enrolled elsewhere is found."""
    user = requested_by
    if not (user.is_authenticated and user.has_role(Role.REGISTRAR) and user.school is not None):
        return None
    q = identity.normalize_id_number(q)[:30] if q else ""
    if not q:
        return None
    match = Q(student__xjh_aliases__number=q) if XJH_QUERY.match(q) else Q(student__id_number=q)
    return _graduates_for(user).filter(match).first()


def graduate_by_student(*, requested_by: Any, student_id: int) -> Enrollment | None:
    """The graduate ``graduate_find`` showed the registrar, when the enrolment form comes back."""
    user = requested_by
    if not (user.is_authenticated and user.has_role(Role.REGISTRAR) and user.school is not None):
        return None
    return _graduates_for(user).filter(student_id=student_id).first()


def _graduates_for(user: Any) -> QuerySet[Enrollment]:
    """Primary graduates held by another school, not yet enrolled anywhere (R6.5)."""
    return (
        Enrollment.objects.filter(is_current=True, status=Enrollment.Status.GRADUATED, grade__lt=9)
        .exclude(school=user.school)
        .select_related("student", "school", "school_class")
    )


def _school_scope(user: Any, field: str) -> Q | None:
    """The user's scope as a filter on a school foreign key ``field`` (None = nothing)."""
    scope = _scope_filter(user)
    if scope is None:
        return None
    if user.is_school_user:
        return Q(**{f"{field}_id": user.school_id})
    return Q(**{f"{field}__district__code__startswith": user.jurisdiction.scope_prefix})


def progressions(*, requested_by: Any, school: School, into: bool) -> QuerySet[Progression]:
    """升学 records of ``school``: the graduates it received (``into``) or those who left it for a
    junior-high school. A school user sees only the school's own; the district its schools'."""
    scope = _school_scope(requested_by, "to_school" if into else "from_school")
    if scope is None:
        return Progression.objects.none()
    side = {"to_school": school} if into else {"from_school": school}
    return Progression.objects.filter(scope, **side).select_related("student", "from_school", "to_school")


def progression_get(*, requested_by: Any, pk: int) -> Progression:
    """One 升学 record for either school (the primary school reads its snapshot) or the district."""
    receiving = _school_scope(requested_by, "to_school")
    leaving = _school_scope(requested_by, "from_school")
    if receiving is None or leaving is None:
        raise Http404
    found = (
        Progression.objects.filter(receiving | leaving, pk=pk)
        .select_related("student", "from_school", "to_school", "recorded_by", "archive")
        .first()
    )
    if found is None:
        raise Http404
    return found


# --------------------------------------------------------------------------- 分班 (R4.1)


def unplaced(*, requested_by: Any, school: School) -> QuerySet[Enrollment]:
    """The school's 在读 students in no class (after a promotion, 升学, a return), by grade."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(
            scope,
            school=school,
            is_current=True,
            status=Enrollment.Status.ENROLLED,
            school_class__isnull=True,
        )
        .select_related("student")
        .order_by("grade", "student__name", "pk")
    )


def placement_year(school: School) -> SchoolYear | None:
    """The school year whose classes students are placed in: the latest one the school has classes
    for (next year's, once they are made before a promotion)."""
    return SchoolYear.objects.filter(classes__school=school).order_by("-start_year").first()


# --------------------------------------------------------------------------- record cards (学籍卡)


def card_students(
    *, requested_by: Any, school_class: SchoolClass | None = None, pk: Any = None
) -> list[Student]:
    """The students whose 学籍卡 the user prints: one student, or the current students of one class
    (by seat number, then name), with everything the card reads fetched in a fixed number of
    queries: family, every enrollment with its school and class, evidence."""
    scope = _scope_filter(requested_by)
    if scope is None or (pk is None and school_class is None):
        return []
    current = Enrollment.objects.filter(scope, is_current=True)
    if pk is not None:
        current = current.filter(student_id=pk)
    if school_class is not None:
        current = current.filter(school_class=school_class)
    order = list(
        current.order_by("class_seat_number", "student__name", "student_id").values_list(
            "student_id", flat=True
        )
    )
    students = Student.objects.filter(pk__in=order).prefetch_related(
        "family",
        Prefetch(
            "enrollments",
            queryset=Enrollment.objects.select_related("school", "school_class").order_by("entry_date", "pk"),
        ),
        Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk")),
    )
    by_pk = {s.pk: s for s in students}
    return [by_pk[p] for p in order]


# --------------------------------------------------------------------------- archive snapshots (R8.1)


def archives(*, requested_by: Any, q: str = "") -> QuerySet[ArchiveSnapshot]:
    """The archive snapshots a user may read, newest first: a school's staff those their school
    keeps (the records that left it, 已转出 or 已离校), the district's officers its schools'. ``q``: a
    name (its start) or an exact 学籍号 or ID number."""
    scope = _school_scope(requested_by, "school")
    if scope is None:
        return ArchiveSnapshot.objects.none()
    rows = ArchiveSnapshot.objects.filter(scope).select_related("student", "school", "to_school")
    text = (q or "").strip()
    if text:
        number = identity.normalize_id_number(text)
        rows = rows.filter(
            Q(student__name__startswith=text)
            | Q(student__xjh=number)
            | Q(student__id_number=number)
            | Q(student__xjh_aliases__number=number)
        ).distinct()
    return rows.order_by("-taken_on", "-pk")


def archive_get(*, requested_by: Any, pk: Any) -> ArchiveSnapshot:
    """One snapshot, or 404 outside the user's scope (the same answer as a missing one)."""
    try:
        return archives(requested_by=requested_by).get(pk=int(pk))
    except (ArchiveSnapshot.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def possible_duplicates(*, requested_by: Any) -> QuerySet[PossibleDuplicate]:
    """R6.2: the ID-less registrations confirmed as "another child" in the user's reach (a school
    sees its own, the district its schools'), newest first, for the district to look into."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return PossibleDuplicate.objects.none()
    return (
        PossibleDuplicate.objects.filter(scope)
        .select_related("student", "matched", "school", "confirmed_by")
        .order_by("-confirmed_at", "-pk")
    )


def counts_by_grade_and_status(*, requested_by: Any) -> dict[tuple[int, str], int]:
    """Current enrollments the user may read, counted per (grade, status): the home page's chart."""
    scope = _scope_filter(requested_by)
    if scope is None:
        return {}
    rows = (
        Enrollment.objects.filter(scope, is_current=True)
        .values_list("grade", "status")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(grade, status): n for grade, status, n in rows}
