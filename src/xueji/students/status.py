"""The one writer of a student's status, grade, school and class (R4.1, R6.5, R13.1).

Every kind of status change (changes/kinds/) calls these in its completing transaction; nothing
else writes an enrollment after it is created. Each change is checked against the one table of
allowed transitions (rules.STATUS_TRANSITIONS), kept in the enrollment's history and recorded as
one audit event. The callers have decided who may act (the engine's step roles): these functions
check what the record allows, not who asks, except where a registrar calls them directly.

A status that runs for a time (休学, 出国（境）) carries its period (StatusPeriod); the period's
planned end passing changes nothing by itself (R12.4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, F, IntegerField, QuerySet, Value, When

from xueji.audit import actions
from xueji.audit.services import audit_record, audit_record_many
from xueji.core import bulk_insert, clock
from xueji.core.errors import RuleViolation
from xueji.org.models import School, SchoolClass, User
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.org.policy import Limit
from xueji.students import completeness, handover, rules
from xueji.students.models import (
    ArchiveSnapshot,
    Enrollment,
    Progression,
    StatusPeriod,
    StatusPeriodEvent,
    Student,
)

LABELS = dict(Enrollment.Status.choices)
# Statuses that run for a time and so open a period.
# Statuses that run from a day (a suspension until its planned end; the others open-ended).
PERIOD_STATUSES = (
    Enrollment.Status.SUSPENDED,
    Enrollment.Status.ABROAD,
    Enrollment.Status.DROPPED_OUT,
    Enrollment.Status.MISSING,
)
MSG_NO_RECORD = "该学生在本系统中没有当前学籍。"


def _current(student: Student | int) -> Enrollment:
    student_id = student if isinstance(student, int) else student.pk
    try:
        return (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("school__district", "school_class", "student")
            .get(student_id=student_id, is_current=True)
        )
    except Enrollment.DoesNotExist as exc:
        raise RuleViolation(rule="R4.1", code="no_record", field="student", message=MSG_NO_RECORD) from exc


def _save(enrollment: Enrollment, actor: User | None) -> None:
    enrollment._history_user = actor  # type: ignore[attr-defined]
    enrollment.save()


def _running_period(student_id: int) -> StatusPeriod | None:
    return (
        StatusPeriod.objects.select_for_update().filter(student_id=student_id, closed_on__isnull=True).first()
    )


def _close_running_period(student_id: int, day: dt.date) -> None:
    """The running period (if any) ends on ``day`` (never before it began): the status it carried
    has ended (a resumption, a return, a move to another school)."""
    running = _running_period(student_id)
    if running is not None:
        running.closed_on = max(day, running.starts_on)
        running.save(update_fields=["closed_on"])


@transaction.atomic
def enrollment_change_status(
    *,
    actor: User | None,
    student: Student | int,
    status: str,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    reference: str = "",
    note: str = "",
    await_class: bool = False,
) -> Enrollment:
    """Change the current enrollment's status by the transition table. A status that runs for a
    time opens a period from ``starts_on`` (default today) to ``ends_on`` (None: open-ended);
    leaving it closes the running period on ``starts_on`` (the day the new status begins).
    ``await_class``: the student comes back and is placed in a class anew (待分班, R12.5)."""
    enrollment = _current(student)
    old = enrollment.status
    rule = rules.check_transition(old, status, labels=LABELS)
    day = starts_on or clock.today()
    _close_running_period(enrollment.student_id, day)
    period = None
    if status in PERIOD_STATUSES:
        period = StatusPeriod.objects.create(
            student_id=enrollment.student_id,
            enrollment=enrollment,
            status=status,
            starts_on=day,
            ends_on=ends_on,
            reference=reference,
        )
    enrollment.status = status
    if await_class:
        enrollment.school_class, enrollment.placement_due = None, True
    _save(enrollment, actor)
    if status in rules.CLOSED_STATUSES:  # R8.1: the schooling ends here; the school keeps it for good
        handover.archive_hand_over(
            actor=actor,
            enrollment=enrollment,
            to_school=None,
            reference=reference,
            kind=ArchiveSnapshot.Kind.KEPT,
        )
    changes: dict[str, Any] = {"status": [old, status]}
    if period is not None:
        changes["period"] = [None, f"{day.isoformat()}–{ends_on.isoformat() if ends_on else ''}"]
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_STATUS,
        subject=enrollment.student,
        school=enrollment.school,
        changes=changes,
        rules=[rule],
        note=" ".join(filter(None, [reference, note])),
    )
    return enrollment


@transaction.atomic
def status_period_extend(
    *, actor: User | None, student: Student | int, ends_on: dt.date, reference: str = ""
) -> StatusPeriod:
    """R12.4: an extension ends the running period the day before the new one starts and opens the
    next, to ``ends_on``; the status does not change and every period stays in the history."""
    enrollment = _current(student)
    running = _running_period(enrollment.student_id)
    if running is None or running.status != enrollment.status:
        raise RuleViolation(
            rule="R12.4",
            code="no_running_period",
            field="student",
            message=f"该学生当前不在{LABELS[Enrollment.Status.SUSPENDED]}期间，不能延长。",
        )
    starts_on = (running.ends_on or clock.today()) + dt.timedelta(days=1)
    if ends_on < starts_on:
        raise RuleViolation(
            rule="R12.4",
            code="bad_period",
            field="ends_on",
            message=f"延长后的期满日期应晚于 {running.ends_on:%Y年%m月%d日}。",
        )
    running.closed_on = starts_on - dt.timedelta(days=1)
    running.save(update_fields=["closed_on"])
    period = StatusPeriod.objects.create(
        student_id=enrollment.student_id,
        enrollment=enrollment,
        status=running.status,
        starts_on=starts_on,
        ends_on=ends_on,
        reference=reference,
    )
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_PERIOD_EXTEND,
        subject=enrollment.student,
        school=enrollment.school,
        changes={"ends_on": [running.ends_on, ends_on]},
        rules=["R12.4"],
        note=reference,
    )
    return period


@transaction.atomic
def enrollment_mark_repeat(*, actor: User | None, student: Student | int, reference: str = "") -> Enrollment:
    """R14.1: an approved repeat year — the student stays in this grade at the next promotion. Only
    a case approved by the district calls this; no school can hold a student back on its own."""
    enrollment = _current(student)
    if enrollment.repeats:
        return enrollment
    enrollment.repeats = True
    _save(enrollment, actor)
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_REPEAT,
        subject=enrollment.student,
        school=enrollment.school,
        changes={"repeats": [False, True]},
        rules=["R14.1"],
        note=reference,
    )
    return enrollment


@transaction.atomic
def enrollment_set_grade(
    *, actor: User | None, student: Student | int, grade: int, rule: str, reference: str = ""
) -> Enrollment:
    """A grade decided by a case (a resumption into another grade, a repeat or a skip, R12.5,
    R14.1); the school must offer it."""
    enrollment = _current(student)
    if not enrollment.school.offers_grade(grade):
        raise RuleViolation(
            rule=rule,
            code="grade_not_offered",
            field="grade",
            message=f"{enrollment.school.name}不设{grade}年级，请核对。",
        )
    old = enrollment.grade
    if old == grade:
        return enrollment
    enrollment.grade = grade
    if enrollment.school_class is None or enrollment.school_class.grade != grade:
        enrollment.school_class, enrollment.placement_due = None, True  # a class of the new grade: 待分班
    _save(enrollment, actor)
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_GRADE,
        subject=enrollment.student,
        school=enrollment.school,
        changes={"grade": [old, grade]},
        rules=[rule],
        note=reference,
    )
    return enrollment


@transaction.atomic
def enrollment_return(
    *, actor: User | None, student: Student | int, on: dt.date, grade: int, rule: str, reference: str = ""
) -> Enrollment:
    """Back in school (R12.5 after a suspension, R12.7 from abroad, and a dropout's return): 在读
    again from ``on``, the running period closed, in ``grade`` (by continuity or as the district
    decided), placed in no class and waiting for one (待分班). Same record, same 学籍号."""
    enrollment_change_status(
        actor=actor,
        student=student,
        status=Enrollment.Status.ENROLLED,
        starts_on=on,
        reference=reference,
        await_class=True,
    )
    return enrollment_set_grade(actor=actor, student=student, grade=grade, rule=rule, reference=reference)


@transaction.atomic
def enrollment_move(
    *,
    actor: User | None,
    student: Student | int,
    to_school: School,
    school_class: SchoolClass | None = None,
    reference: str = "",
) -> tuple[Enrollment, ArchiveSnapshot]:
    """R6.5, R10.10: the record moves to ``to_school``. The old enrollment closes as 转出 (kept for
    the old school's read-only view) and a new one opens at the same grade, origin 转入, to be
    placed in a class there. The archive is handed over in the same transaction (R8.1); the old
    school's snapshot is returned."""
    old = _current(student)
    rule = rules.check_transition(old.status, Enrollment.Status.TRANSFERRED_OUT, labels=LABELS)
    if school_class is not None and (
        school_class.school_id != to_school.pk or school_class.grade != old.grade
    ):
        school_class = None  # a class chosen at the start that no longer fits: placed afterwards
    snapshot = handover.archive_hand_over(
        actor=actor, enrollment=old, to_school=to_school, reference=reference
    )
    _close_running_period(old.student_id, clock.today())  # back from abroad by transfer (R12.7)
    old.is_current, old.status = False, Enrollment.Status.TRANSFERRED_OUT
    _save(old, actor)
    new = Enrollment(
        student_id=old.student_id,
        school=to_school,
        school_class=school_class,
        grade=old.grade,
        gender=old.gender,
        entry_date=clock.today(),
        entry_mode=old.entry_mode,
        attendance_mode=old.attendance_mode,
        source=old.source,
        origin=Enrollment.Origin.TRANSFER,
        record_due=old.record_due,
        placement_due=school_class is None,
    )
    _save(new, actor)
    if to_school.district_id != old.school.district_id:  # R5.1: the new district's required proofs
        completeness.refresh(Student.objects.filter(pk=old.student_id))
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_MOVE,
        subject=old.student,
        school=to_school,
        changes={"school": [old.school.code, to_school.code], "enrollment": [old.pk, new.pk]},
        rules=[rule, "R6.5", "R8.1"],
        note=reference,
    )
    return new, snapshot


@transaction.atomic
def enrollment_close_out(
    *, actor: User | None, student: Student | int, to_party: str, reference: str = ""
) -> ArchiveSnapshot:
    """R10.5, R8.1: the record leaves this deployment (a transfer to a school on another
    platform): the archive is handed over, and the enrollment closes as 转出 — kept, no longer
    current, as when a record moves between two schools here. The school's snapshot is returned."""
    old = _current(student)
    rule = rules.check_transition(old.status, Enrollment.Status.TRANSFERRED_OUT, labels=LABELS)
    snapshot = handover.archive_hand_over(
        actor=actor, enrollment=old, to_school=None, reference=reference, to_party=to_party
    )
    _close_running_period(old.student_id, clock.today())
    status_was = old.status
    old.is_current, old.status = False, Enrollment.Status.TRANSFERRED_OUT
    _save(old, actor)
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_STATUS,
        subject=old.student,
        school=old.school,
        changes={"status": [status_was, old.status], "is_current": [True, False]},
        rules=[rule, "R8.1"],
        note=f"{reference} 转出至{to_party}",
    )
    return snapshot


@transaction.atomic
def enrollment_place_in_class(
    *, actor: User, student: Student, school_class: SchoolClass | None
) -> Enrollment:
    """The registrar places a student in a class of the student's grade (分班), or takes the
    student out of one."""
    enrollment = _current(student)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    if school_class is not None:
        rules.check_class(enrollment.school, school_class, enrollment.grade)
    old = enrollment.school_class_id
    enrollment.school_class = school_class
    enrollment.placement_due = school_class is None and enrollment.placement_due
    _save(enrollment, actor)
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_PLACE,
        subject=enrollment.student,
        school=enrollment.school,
        changes={"school_class": [old, school_class.pk if school_class else None]},
        rules=["R4.1"],
    )
    return enrollment


def enrollments_copy_gender(*, student: Student) -> int:
    """The student's gender, changed by an approved information change (R9.1), copied onto every
    enrollment of the student (the statistics read it there). Runs in the caller's transaction."""
    return (
        Enrollment.objects.filter(student=student)
        .exclude(gender=student.gender)
        .update(gender=student.gender)
    )


def enrollments_update(
    *, actor: User | None, rows: QuerySet[Enrollment], values: Mapping[str, Any], reason: str = ""
) -> list[int]:
    """Set-based: the current enrollments ``rows`` select are locked and changed by one UPDATE per
    chunk of ids, and each gets its history row, copied by the database (the school year's
    promotion, R14.2). ``values`` may hold expressions (``F("grade") + 1``). A status in ``values``
    is checked against the transition table first: nothing is written if one row may not change.
    The caller runs in its transaction and writes the audit event (one for the whole set); the ids
    changed are returned. On PostgreSQL that is one UPDATE and one INSERT whatever the number."""
    assert transaction.get_connection().in_atomic_block, "enrollments_update runs in the caller's transaction"
    locked = rows.filter(is_current=True).select_for_update(of=("self",))
    if "status" in values:
        for old in set(locked.order_by().values_list("status", flat=True)):
            rules.check_transition(old, str(values["status"]), labels=LABELS)
    ids = list(locked.order_by("pk").values_list("pk", flat=True))
    for chunk in bulk_insert.id_chunks(ids):
        Enrollment.objects.filter(pk__in=chunk).update(**values)
    bulk_insert.history_of_rows(Enrollment, ids, user=actor, reason=reason)
    return ids


# --------------------------------------------------------------------------- periods over time

WARN_DAYS = Limit("period.warn_days", "休学期满前列入督促名单", "天", "R12.6", 30, 0, 180)
ESCALATE_DAYS = Limit("period.escalate_days", "期满未复学再次督促间隔", "天", "R12.6", 30, 7, 365)


def period_thresholds(
    ends_on: dt.date, today: dt.date, *, warn: int, every: int
) -> list[tuple[str, dt.date]]:
    """The thresholds a period ending on ``ends_on`` has crossed by ``today``: ``soon`` from
    ``warn`` days before the end, ``ended`` from the day after it, then ``after_N`` each ``every``
    days (R12.4: the status itself does not change; R12.6: the school urges)."""
    crossed = []
    if warn and today >= ends_on - dt.timedelta(days=warn):
        crossed.append(("soon", ends_on - dt.timedelta(days=warn)))
    ended = ends_on + dt.timedelta(days=1)
    if today >= ended:
        crossed.append(("ended", ended))
        n = every
        while today >= ended + dt.timedelta(days=n):
            crossed.append((f"after_{n}", ended + dt.timedelta(days=n)))
            n += every
    return crossed


@transaction.atomic
def status_periods_daily(*, today: dt.date | None = None) -> int:
    """Write one event per threshold each running period has crossed and not yet recorded, with its
    audit event; nothing else changes (R12.4). Set-based: one read of the running periods that
    can have crossed one, one of their recorded events, one bulk write of each."""
    today = today or clock.today()
    horizon = today + dt.timedelta(days=WARN_DAYS.maximum)
    periods = list(
        StatusPeriod.objects.filter(closed_on__isnull=True, ends_on__isnull=False, ends_on__lte=horizon)
        .select_related("enrollment__school__district", "student")
        .order_by("pk")
    )
    if not periods:
        return 0
    recorded = set(StatusPeriodEvent.objects.filter(period__in=periods).values_list("period_id", "threshold"))
    limits: dict[int, tuple[int, int]] = {}
    new: list[StatusPeriodEvent] = []
    for period in periods:
        district = period.enrollment.school.district
        if district.pk not in limits:
            limits[district.pk] = (WARN_DAYS.value(district), ESCALATE_DAYS.value(district))
        warn, every = limits[district.pk]
        assert period.ends_on is not None
        for threshold, due_on in period_thresholds(period.ends_on, today, warn=warn, every=every):
            if (period.pk, threshold) not in recorded:
                new.append(StatusPeriodEvent(period=period, threshold=threshold, due_on=due_on))
    if not new:
        return 0
    StatusPeriodEvent.objects.bulk_create(new)
    audit_record_many(
        actor=None,
        school=None,
        events=[
            {
                "action": actions.ENROLLMENT_PERIOD_EVENT,
                "subject": e.period.student,
                "school": e.period.enrollment.school,
                "changes": {"threshold": [None, e.threshold]},
                "rules": ["R12.4", "R12.6"],
                "note": f"{e.period.get_status_display()} {e.label}（{e.due_on:%Y-%m-%d}）",
            }
            for e in new
        ],
    )
    return len(new)


# --------------------------------------------------------------------------- the school year (R14.2)


def enrollments_promote(
    *, actor: User | None, movers: QuerySet[Enrollment], school: School, next_classes: Mapping[int, int]
) -> dict[str, int]:
    """R14.2, set-based, inside the caller's transaction: of the 在读 students ``movers`` selects,
    those of the school's last grade graduate (毕业, in their last class); the others move up one
    grade into the class ``next_classes`` maps their class to (next year's class of the same
    number), or into none (未分班) where there is none; a student with an approved repeat year
    (R14.1) stays in the grade, waits for a class of it, and the mark is spent. Each changed row
    gets its history; the caller records the one audit event."""
    last = school.grade_to
    staying_back = movers.filter(repeats=True)
    moving_up = movers.filter(repeats=False, grade__lt=last)
    unplaced = moving_up.exclude(school_class_id__in=list(next_classes)).count()
    graduated = enrollments_update(
        actor=actor,
        rows=movers.filter(repeats=False, grade__gte=last),
        values={"status": Enrollment.Status.GRADUATED, "placement_due": False},
        reason="毕业",
    )
    whens = [When(school_class_id=old, then=Value(new)) for old, new in next_classes.items()]
    moved = enrollments_update(
        actor=actor,
        rows=moving_up,
        values={
            "grade": F("grade") + 1,
            "school_class_id": Case(*whens, default=Value(None), output_field=IntegerField()),
            "placement_due": Case(
                When(school_class_id__in=list(next_classes), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
        },
        reason="升级",
    )
    repeated = enrollments_update(
        actor=actor,
        rows=staying_back,
        values={"repeats": False, "school_class": None, "placement_due": True},
        reason="留级",
    )
    return {"moved": len(moved), "graduated": len(graduated), "repeated": len(repeated), "unplaced": unplaced}


# --------------------------------------------------------------------------- 升学 (R6.5, R8.1)


@dataclass(frozen=True)
class Continuing:
    """One primary graduate going on to ``to_school`` (升学), placed in ``school_class`` or none."""

    student_id: int
    to_school: School
    school_class: SchoolClass | None = None


MSG_NOT_GRADUATE = "该学生不是本系统小学的毕业生（学籍状态须为“毕业”），不能办理升学。"


def enrollments_continue(
    *, actor: User | None, moves: list[Continuing], entry_date: dt.date, source: str
) -> list[Progression]:
    """R6.5, R8.1, set-based for the district's assignment list and used alike for one student:
    each graduate's 毕业 enrollment closes at the primary school (it keeps a read-only, checksummed
    snapshot of the record, ``Progression.archive``) and a new one opens at the receiving school,
    one grade up (七年级), 升学, waiting for a class unless one is given. Same record, same 学籍号.
    A fixed number of statements whatever the number of students; the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, (
        "enrollments_continue runs in the caller's transaction"
    )
    by_student = {m.student_id: m for m in moves}
    old: list[Enrollment] = []
    for chunk in bulk_insert.id_chunks(list(by_student)):
        old += (
            Enrollment.objects.select_for_update(of=("self",))
            .filter(student_id__in=chunk, is_current=True)
            .select_related("school__district", "school_class", "student")
            .prefetch_related("student__family")
        )
    if len(old) != len(by_student):
        raise RuleViolation(rule="R4.1", code="no_record", field="student", message=MSG_NO_RECORD)
    for enrollment in old:
        _check_continuing(enrollment, by_student[enrollment.student_id])
    snapshots = handover.archive_snapshots(
        actor=actor,
        leaving=[handover.Leaving(enrollment=e, to_school=by_student[e.student_id].to_school) for e in old],
        reference=source,
    )
    closed = [e.pk for e in old]
    for chunk in bulk_insert.id_chunks(closed):
        Enrollment.objects.filter(pk__in=chunk).update(is_current=False)
    bulk_insert.history_of_rows(Enrollment, closed, user=actor, reason="升学")
    new = [
        Enrollment(
            student_id=e.student_id,
            school=by_student[e.student_id].to_school,
            school_class=by_student[e.student_id].school_class,
            grade=e.grade + 1,
            gender=e.gender,
            entry_date=entry_date,
            entry_mode=e.entry_mode,
            attendance_mode=e.attendance_mode,
            source=e.source,
            origin=Enrollment.Origin.PROGRESSION,
            record_due=e.record_due,
            placement_due=by_student[e.student_id].school_class is None,
        )
        for e in old
    ]
    bulk_insert.insert(Enrollment, new)
    bulk_insert.insert_history(Enrollment, new, user=actor)
    # R5.1: a graduate going to another district is judged by that district's required proofs.
    elsewhere = [
        e.student_id for e, n in zip(old, new, strict=True) if n.school.district_id != e.school.district_id
    ]
    for chunk in bulk_insert.id_chunks(elsewhere):
        completeness.refresh(Student.objects.filter(pk__in=chunk))
    made = [
        Progression(
            student_id=e.student_id,
            from_school=e.school,
            to_school=n.school,
            graduated=e,
            archive=snapshots[e.pk],
            source=source[:50],
            recorded_by=actor,
        )
        for e, n in zip(old, new, strict=True)
    ]
    bulk_insert.insert(Progression, made)
    audit_record_many(
        actor=actor,
        school=None,
        events=[
            {
                "action": actions.ENROLLMENT_CONTINUE,
                "subject": e.student,
                "school": n.school,
                "changes": {"school": [e.school.code, n.school.code], "grade": [e.grade, n.grade]},
                "rules": ["R6.5", "R8.1"],
                "note": f"{e.school.name}毕业，升入{n.school.name}（{source}）",
            }
            for e, n in zip(old, new, strict=True)
        ],
    )
    return made


def _check_continuing(enrollment: Enrollment, move: Continuing) -> None:
    school, to = enrollment.school, move.to_school
    if enrollment.status != Enrollment.Status.GRADUATED or enrollment.grade != school.grade_to:
        raise RuleViolation(rule="R6.5", code="not_graduate", field="student", message=MSG_NOT_GRADUATE)
    if to.pk == school.pk or not to.offers_grade(enrollment.grade + 1) or not to.is_active:
        raise RuleViolation(
            rule="R6.5",
            code="grade_not_offered",
            field="school",
            message=f"{to.name}不招收{enrollment.grade + 1}年级学生，请选择初中或九年一贯制学校。",
        )
    if move.school_class is not None:
        rules.check_class(to, move.school_class, enrollment.grade + 1)


# --------------------------------------------------------------------------- the compulsory term (R13.2)

CLOSE_AGE = Limit("dropout.close_age", "辍学学籍至少保留到年满", "周岁", "R13.2", 16, 15, 18)
SCHOOL_YEAR_END = (8, 31)  # the school year ends on 31 August (the measures' 学年, decision 0034)


def compulsory_term_end(*, birth: dt.date, grade: int, dropped_on: dt.date, age: int) -> dt.date:
    """R13.2 (decision 0034): the last day a dropped-out student's record is kept and managed — the
    later of the day before the student turns ``age`` and the end of the school year in which he
    would have finished grade 9 had he stayed in school (the nine-year term)."""
    start_year = dropped_on.year if dropped_on.month >= 9 else dropped_on.year - 1
    nine_years = dt.date(start_year + (9 - grade) + 1, *SCHOOL_YEAR_END)
    try:
        birthday = birth.replace(year=birth.year + age)
    except ValueError:  # born on 29 February: the birthday in a common year is 1 March
        birthday = dt.date(birth.year + age, 3, 1)
    return max(nine_years, birthday - dt.timedelta(days=1))


@transaction.atomic
def dropouts_close(*, today: dt.date | None = None) -> int:
    """R13.2: every dropped-out student whose compulsory term ended before ``today`` has the record
    closed as such — 肄业, kept, read-only, never deleted — and the dropout period closed on the
    term's last day; one audit event each. The daily run calls it; a second run changes nothing."""
    today = today or clock.today()
    running = list(
        StatusPeriod.objects.filter(
            status=Enrollment.Status.DROPPED_OUT,
            closed_on__isnull=True,
            enrollment__is_current=True,
            enrollment__status=Enrollment.Status.DROPPED_OUT,
        ).select_related("student", "enrollment__school__district")
    )
    ages: dict[int, int] = {}
    due: list[tuple[StatusPeriod, dt.date]] = []
    for period in running:
        district = period.enrollment.school.district
        if district.pk not in ages:
            ages[district.pk] = CLOSE_AGE.value(district)
        end = compulsory_term_end(
            birth=period.student.birth_date,
            grade=period.enrollment.grade,
            dropped_on=period.starts_on,
            age=ages[district.pk],
        )
        if end < today:
            due.append((period, end))
    if not due:
        return 0
    ids = [period.enrollment_id for period, _ in due]
    for chunk in bulk_insert.id_chunks(ids):
        enrollments_update(
            actor=None,
            rows=Enrollment.objects.filter(pk__in=chunk),
            values={"status": Enrollment.Status.INCOMPLETE},
            reason="义务教育年限届满",
        )
    for period, end in due:
        period.closed_on = end
    StatusPeriod.objects.bulk_update([period for period, _ in due], ["closed_on"])
    closed = [
        e
        for chunk in bulk_insert.id_chunks(ids)
        for e in Enrollment.objects.filter(pk__in=chunk)
        .select_related("school", "school_class", "student")
        .prefetch_related("student__family")
    ]
    handover.archive_snapshots(  # R8.1: the schooling ended at this school, which keeps the archive
        actor=None,
        leaving=[handover.Leaving(enrollment=e) for e in closed],
        reference="义务教育年限届满",
        kind=ArchiveSnapshot.Kind.KEPT,
    )
    audit_record_many(
        actor=None,
        school=None,
        events=[
            {
                "action": actions.ENROLLMENT_STATUS,
                "subject": period.student,
                "school": period.enrollment.school,
                "changes": {"status": [Enrollment.Status.DROPPED_OUT, Enrollment.Status.INCOMPLETE]},
                "rules": ["R13.2"],
                "note": f"辍学学生义务教育年限于{end:%Y年%m月%d日}届满，学籍关闭（肄业），保留不删除",
            }
            for period, end in due
        ],
    )
    return len(due)


@transaction.atomic
def enrollment_graduate_leaves(
    *, actor: User, student: Student | int, to_party: str, source: str
) -> Progression:
    """R6.5, R8.1: a graduate who goes on outside this deployment. The 毕业 enrollment closes at the
    school where the schooling recorded here ended, which keeps the snapshot and the archive
    permanently; no enrollment opens anywhere here."""
    old = _current(student)
    if old.status != Enrollment.Status.GRADUATED:
        raise RuleViolation(rule="R6.5", code="not_graduate", field="student", message=MSG_NOT_GRADUATE)
    old = (
        Enrollment.objects.select_related("school__district", "school_class", "student")
        .prefetch_related("student__family")
        .get(pk=old.pk)
    )
    snapshot = handover.archive_hand_over(  # R8.1: schooling recorded here ends: kept for good
        actor=actor,
        enrollment=old,
        to_school=None,
        reference=source,
        to_party=to_party,
        kind=ArchiveSnapshot.Kind.KEPT,
    )
    old.is_current = False
    _save(old, actor)
    made = Progression.objects.create(
        student_id=old.student_id,
        from_school=old.school,
        to_party=to_party,
        graduated=old,
        archive=snapshot,
        source=source[:50],
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=actions.ENROLLMENT_CONTINUE,
        subject=old.student,
        school=old.school,
        changes={"is_current": [True, False], "to": [None, to_party]},
        rules=["R6.5", "R8.1"],
        note=f"{old.school.name}毕业，升入本系统外学校：{to_party}",
    )
    return made


PLACE_AT_ONCE = 120  # more than any class holds; keeps one statement's parameters bounded


@transaction.atomic
def enrollments_place(*, actor: User, school_class: SchoolClass, student_ids: list[int]) -> int:
    """分班, set-based: the registrar places several students of the class's school and grade who
    have no class into ``school_class`` at once (after the promotion, 升学, a return). Each gets
    his history row and his audit event; a student of another school or grade, or one already in a
    class, is refused and nothing is written."""
    school = school_class.school
    require_role(actor, WRITE_STUDENTS, school=school)
    wanted = set(student_ids)
    if len(wanted) > PLACE_AT_ONCE:
        raise RuleViolation(
            rule="R4.1", code="too_many", field="students", message=f"一次最多为 {PLACE_AT_ONCE} 名学生分班。"
        )
    rows = Enrollment.objects.filter(
        school=school,
        is_current=True,
        status=Enrollment.Status.ENROLLED,
        grade=school_class.grade,
        school_class__isnull=True,
        student_id__in=wanted,
    )
    found = list(rows.select_related("student").order_by("pk"))
    if not wanted or len(found) != len(wanted):
        raise RuleViolation(
            rule="R4.1",
            code="class_mismatch",
            field="school_class",
            message=f"所选学生须是本校{school_class.name[:3]}尚未分班的在读学生，请刷新后重新选择。",
        )
    enrollments_update(
        actor=actor,
        rows=Enrollment.objects.filter(pk__in=[e.pk for e in found]),
        values={"school_class": school_class, "placement_due": False},
        reason="分班",
    )
    audit_record_many(
        actor=actor,
        school=school,
        events=[
            {
                "action": actions.ENROLLMENT_PLACE,
                "subject": e.student,
                "changes": {"school_class": [None, school_class.pk]},
                "rules": ["R4.1"],
                "note": school_class.name,
            }
            for e in found
        ],
    )
    return len(found)
